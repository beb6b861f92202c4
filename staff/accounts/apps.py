from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "staff.accounts"
    label = "accounts"
