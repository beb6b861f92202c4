"""The nurses' pages: the inbox, conversations, the dashboard and the refill
reminders."""

from django.urls import path

from staff.review.views import conversation, dashboard, health, inbox, reminders

app_name = "review"

urlpatterns = [
    path("health/", health.health, name="health"),
    path("", inbox.inbox, name="inbox"),
    path("api/inbox/", inbox.latest, name="inbox-latest"),
    path("conversations/review/", inbox.bulk_review, name="bulk-review"),
    path("conversations/<int:pk>/review/", conversation.update, name="review"),
    path(
        "conversations/<int:pk>/reviewed/",
        conversation.review_conversation,
        name="review-conversation",
    ),
    path("messages/<int:pk>/", conversation.conversation, name="conversation"),
    path("messages/<int:pk>/original/", conversation.original, name="original"),
    path("messages/<int:pk>/wrong-answer/", conversation.wrong_answer, name="wrong-answer"),
    path("messages/<int:pk>/topic/", conversation.assign_topic, name="assign-topic"),
    path("export.csv", inbox.export_csv, name="export"),
    path("dashboard/", dashboard.dashboard, name="dashboard"),
    path("api/dashboard/", dashboard.figures, name="dashboard-figures"),
    path("reminders/", reminders.reminders, name="reminders"),
    path("reminders/<int:pk>/contact/", reminders.contact, name="reminder-contact"),
    path("reminders/<int:pk>/cancel/", reminders.cancel, name="reminder-cancel"),
    path("reminders/<int:pk>/move/", reminders.move, name="reminder-move"),
]
