from django.apps import AppConfig


class ReviewConfig(AppConfig):
    name = "staff.review"
    label = "review"
