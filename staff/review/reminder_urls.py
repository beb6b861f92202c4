"""The reminders' pages. Outside the review namespace while
staff/review/views/reminders.py redirects to the bare name "reminders"."""

from django.urls import path

from staff.review.views import reminders

urlpatterns = [
    path("reminders/", reminders.reminders, name="reminders"),
    path("reminders/<int:pk>/contact/", reminders.contact, name="reminder-contact"),
    path("reminders/<int:pk>/cancel/", reminders.cancel, name="reminder-cancel"),
    path("reminders/<int:pk>/move/", reminders.move, name="reminder-move"),
]
