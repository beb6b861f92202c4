from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import path

from staff.editor.views import (
    approvals,
    clinic,
    history,
    sign_off,
    topics,
    training,
    translations,
)
from staff.review.views import conversation, dashboard, health, inbox, reminders

admin.site.site_header = "HAI pump assistant: staff administration"
admin.site.site_title = "Staff administration"

urlpatterns = [
    path("health/", health.health, name="health"),
    path(
        "login/",
        auth_views.LoginView.as_view(template_name="staff/login.html"),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", inbox.inbox, name="inbox"),
    path("api/inbox/", inbox.latest, name="inbox-latest"),
    path("messages/<int:pk>/", conversation.conversation, name="conversation"),
    path("messages/<int:pk>/original/", conversation.original, name="original"),
    path("messages/<int:pk>/review/", conversation.update, name="review"),
    path(
        "messages/<int:pk>/review-conversation/",
        conversation.review_conversation,
        name="review-conversation",
    ),
    path("messages/<int:pk>/topic/", conversation.assign_topic, name="assign-topic"),
    path("export.csv", inbox.export_csv, name="export"),
    path("reminders/", reminders.reminders, name="reminders"),
    path("reminders/<int:pk>/contact/", reminders.contact, name="reminder-contact"),
    path("reminders/<int:pk>/cancel/", reminders.cancel, name="reminder-cancel"),
    path("dashboard/", dashboard.dashboard, name="dashboard"),
    path("api/dashboard/", dashboard.figures, name="dashboard-figures"),
    path("content/", topics.topics, name="editor-topics"),
    path("content/red-flags/", topics.red_flags, name="editor-red-flags"),
    path("content/new/", topics.new, name="editor-new"),
    path("settings/clinic/", clinic.clinic, name="editor-clinic"),
    path("settings/sources/", clinic.sources, name="editor-sources"),
    path("content/training/", training.status, name="editor-training"),
    path("content/training/start/", training.retrain, name="editor-retrain"),
    path("content/drafts/", approvals.pending, name="editor-drafts"),
    path("content/drafts/<int:pk>/", approvals.draft, name="editor-draft"),
    path("content/drafts/<int:pk>/decide/", approvals.decide, name="editor-decide"),
    path("content/translations/", translations.listing, name="editor-translations"),
    path("content/sign/", sign_off.listing, name="editor-sign-off"),
    path("content/<slug:topic_id>/", topics.edit, name="editor-topic"),
    path("content/<slug:topic_id>/preview/", topics.preview, name="editor-preview"),
    path("content/<slug:topic_id>/retire/", topics.retire, name="editor-retire"),
    path("content/<slug:topic_id>/history/", history.history, name="editor-history"),
    path("content/<slug:topic_id>/sign/", sign_off.sign, name="editor-sign"),
    path(
        "content/<slug:topic_id>/translation/<slug:language>/",
        translations.translation,
        name="editor-translation",
    ),
    path(
        "content/<slug:topic_id>/revert/<str:sha>/",
        history.revert,
        name="editor-revert",
    ),
    path("admin/", admin.site.urls),
]
