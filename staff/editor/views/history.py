"""A topic's history from git: who changed what, the diff, and a one-click
revert (itself a commit)."""

from __future__ import annotations

from django.contrib import messages as flash
from django.contrib.auth.decorators import permission_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from bot import paths
from bot.content import editing
from staff.accounts import roles
from staff.audit import log
from staff.editor import common, drafts, word_diff
from staff.editor.models import Approval, Draft
from staff.editor.views.topics import sent_for_approval


@require_GET
@permission_required(roles.EDIT, raise_exception=True)
def history(request, topic_id: str):
    """Each saved version, newest (live) first: what changed in what patients
    read, word by word, and the file's change for whoever wants it."""
    kept = common.history()
    path = drafts.topic_file(topic_id)
    commits = kept.log(path)
    texts = [_patient_text_at(kept, c.sha, path) for c in commits]
    shown = []
    for n, commit in enumerate(commits):
        older = texts[n + 1] if n + 1 < len(texts) else ""
        pieces = word_diff.compare(older, texts[n]) if texts[n] != older else []
        shown.append((commit, pieces, kept.diff(commit.sha, path)))
    return render(request, "staff/editor/history.html", {"topic_id": topic_id, "commits": shown})


def _patient_text_at(kept, sha: str, path) -> str:
    try:
        return word_diff.patient_text(kept.file_at(sha, path))
    except editing.Invalid:
        return ""  # the file did not exist then (a new topic's first version)


@require_POST
@permission_required(roles.EDIT, raise_exception=True)
def revert(request, topic_id: str, sha: str):
    kept = common.history()
    try:
        if Approval.required():
            draft = drafts.propose(request.user, Draft.REVERT, topic_id, {"sha": sha},
                           changed=f"restore to {sha[:10]}")  # fmt: skip
            sent_for_approval(request, draft)
            return redirect("editor:history", topic_id=topic_id)
        commit = editing.revert(
            paths.CONTENT_DIR, kept, sha, drafts.topic_file(topic_id), common.author(request.user)
        )
    except editing.Invalid as invalid:
        problems = "; ".join(m for ms in invalid.errors.values() for m in ms)
        flash.error(request, f"Not reverted: that version is not valid now ({problems}).")
        return redirect("editor:history", topic_id=topic_id)
    log.record(request.user, "reverted topic", topic_id, f"to {sha[:10]}")
    flash.success(request, f"Reverted to the version of {sha[:10]} (commit {str(commit)[:10]}).")
    return redirect("editor:history", topic_id=topic_id)
