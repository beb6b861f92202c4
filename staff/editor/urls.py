"""The content pages: topics, clinic settings, drafts, translations and sign-off."""

from django.urls import path

from staff.editor.views import (
    approvals,
    clinic,
    history,
    sign_entry,
    sign_off,
    topics,
    training,
    translations,
    waiting,
)

app_name = "editor"

urlpatterns = [
    path("content/", topics.topics, name="topics"),
    path("content/red-flags/", topics.red_flags, name="red-flags"),
    path("content/new/", topics.new, name="new"),
    path("settings/clinic/", clinic.clinic, name="clinic"),
    path("settings/sources/", clinic.sources, name="sources"),
    path("content/training/", training.status, name="training"),
    path("content/training/start/", training.retrain, name="retrain"),
    path("content/drafts/", approvals.pending, name="drafts"),
    path("content/drafts/<int:pk>/", approvals.draft, name="draft"),
    path("content/drafts/<int:pk>/decide/", approvals.decide, name="decide"),
    path("content/translations/", translations.listing, name="translations"),
    path("content/sign/", sign_off.listing, name="sign-off"),
    path("content/sign/<slug:kind>/<slug:key>/", sign_entry.sign, name="sign-entry"),
    path("content/waiting/", waiting.listing, name="waiting"),
    path("content/waiting/examples/", waiting.add_examples, name="waiting-examples"),
    path("content/<slug:topic_id>/", topics.edit, name="topic"),
    path("content/<slug:topic_id>/preview/", topics.preview, name="preview"),
    path("content/<slug:topic_id>/retire/", topics.retire, name="retire"),
    path("content/<slug:topic_id>/history/", history.history, name="history"),
    path("content/<slug:topic_id>/sign/", sign_off.sign, name="sign"),
    path(
        "content/<slug:topic_id>/translation/<slug:language>/",
        translations.translation,
        name="translation",
    ),
    path(
        "content/<slug:topic_id>/revert/<str:sha>/",
        history.revert,
        name="revert",
    ),
]
