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

urlpatterns = [
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
    path("content/sign/<slug:kind>/<slug:key>/", sign_entry.sign, name="editor-sign-entry"),
    path("content/waiting/", waiting.listing, name="editor-waiting"),
    path("content/waiting/examples/", waiting.add_examples, name="editor-waiting-examples"),
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
]
