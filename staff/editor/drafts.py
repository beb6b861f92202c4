"""Edits that wait for a second person (when an admin requires approval):
kept as drafts in the workspace's database, written to content/ only when
approved, and then exactly as a direct save would be."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from bot import paths
from bot.content import editing
from staff.audit import log
from staff.editor import common
from staff.editor.models import Draft


class NotAllowed(Exception):
    pass


def _stored(fields: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in fields.items()}


def fields_of(draft: Draft) -> dict[str, Any]:
    fields = dict(draft.fields)
    raw = fields.get("reviewed_on")
    if isinstance(raw, str):
        try:
            fields["reviewed_on"] = dt.date.fromisoformat(raw)
        except ValueError:
            pass  # the validator names it
    return fields


def propose(user, current: editing.Editable, fields: dict[str, Any], base_version: str) -> Draft:
    """Checks the edit as a save would (Invalid, Conflict), then keeps it as a draft."""
    if base_version != current.version:
        theirs = current.file.read_text(encoding="utf-8")
        raise editing.Conflict(theirs=theirs, mine=str(_stored(fields)), version=current.version)
    editing.preview(paths.CONTENT_DIR, current.topic_id, fields)  # raises Invalid
    changed = [k for k in editing.EDITABLE_FIELDS if fields.get(k) != current.fields.get(k)]
    draft = Draft.objects.create(
        topic_id=current.topic_id,
        fields=_stored(fields),
        base_version=base_version,
        changed=", ".join(changed),
        author=user,
    )
    log.record(user, "proposed edit", current.topic_id, f"draft {draft.pk}: {draft.changed}")
    return draft


def approve(user, draft: Draft) -> editing.Saved:
    if draft.status != Draft.PENDING:
        raise NotAllowed("This draft was already decided.")
    if draft.author_id == user.pk:
        raise NotAllowed("A second person must approve an edit: not its author.")
    author = draft.author or user
    try:
        saved = editing.save_topic(
            paths.CONTENT_DIR,
            draft.topic_id,
            fields_of(draft),
            draft.base_version,
            common.author(author),
            common.history(),
        )
    except (editing.Conflict, editing.Invalid):
        _decide(user, draft, Draft.STALE)
        raise
    _decide(user, draft, Draft.APPROVED)
    log.record(user, "approved edit", draft.topic_id, f"draft {draft.pk} by {author}")
    return saved


def reject(user, draft: Draft) -> None:
    if draft.status != Draft.PENDING:
        raise NotAllowed("This draft was already decided.")
    _decide(user, draft, Draft.REJECTED)
    log.record(user, "rejected edit", draft.topic_id, f"draft {draft.pk}")


def _decide(user, draft: Draft, status: str) -> None:
    draft.status, draft.decided_by, draft.decided_at = status, user, timezone.now()
    draft.save()
