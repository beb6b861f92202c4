"""Drafts waiting for approval: what would change, and approve or reject."""

from __future__ import annotations

from django.contrib import messages as flash
from django.contrib.auth.decorators import permission_required
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from bot import paths
from bot.content import editing
from staff.accounts import roles
from staff.editor import drafts
from staff.editor.models import Draft


@require_GET
@permission_required(roles.EDIT, raise_exception=True)
def pending(request):
    waiting = Draft.objects.filter(status=Draft.PENDING).select_related("author")
    return render(request, "staff/editor/drafts.html", {"drafts": waiting})


@require_GET
@permission_required(roles.EDIT, raise_exception=True)
def draft(request, pk: int):
    chosen = get_object_or_404(Draft, pk=pk)
    proposed = now = None
    if chosen.kind == Draft.EDIT:
        proposed, now = _previews(request, chosen)
    return render(
        request,
        "staff/editor/draft.html",
        {
            "draft": chosen,
            "proposed": proposed,
            "now": now,
            "diff": drafts.what_changes(chosen) if chosen.status == Draft.PENDING else "",
        },
    )


def _previews(request, chosen: Draft):
    """A topic edit as patients would read it: after approval, and now."""
    try:
        proposed = editing.preview(paths.CONTENT_DIR, chosen.topic_id, drafts.fields_of(chosen))
    except editing.Invalid as invalid:
        proposed = None
        flash.error(request, "This draft is no longer valid: " + "; ".join(
            m for ms in invalid.errors.values() for m in ms))  # fmt: skip
    try:
        current = editing.load_topic(paths.CONTENT_DIR, chosen.topic_id)
        now = editing.preview(paths.CONTENT_DIR, chosen.topic_id, current.fields)
    except editing.Invalid:
        now = None
    return proposed, now


@require_POST
@permission_required(roles.EDIT, raise_exception=True)
def decide(request, pk: int):
    chosen = get_object_or_404(Draft, pk=pk)
    try:
        if request.POST.get("decision") == "approve":
            drafts.approve(request.user, chosen)
            flash.success(request, "Approved: patients get it from their next question.")
        else:
            drafts.reject(request.user, chosen)
            flash.success(request, "Rejected: the content is unchanged.")
    except drafts.NotAllowed as exc:
        flash.error(request, str(exc))
    except editing.Conflict:
        flash.error(request, "Not approved: the content changed since this draft was made. "
                             "Make the change again.")  # fmt: skip
    except editing.Invalid as invalid:
        flash.error(request, "Not approved: " + "; ".join(
            m for ms in invalid.errors.values() for m in ms))  # fmt: skip
    return redirect("editor:drafts")
