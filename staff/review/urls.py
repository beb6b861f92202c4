"""The nurses' pages: the inbox, conversations and the dashboard (the reminders'
pages: reminder_urls.py)."""

from django.urls import path

from staff.review.views import conversation, dashboard, health, inbox

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
]
