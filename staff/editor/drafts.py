"""Content changes that wait for a second person (when an admin requires
approval): every kind of change the workspace makes to content/ (a topic's
edit, a new topic, retiring one, the clinic's details, the sources, a restore
from History, a nurse's example question) is kept as a draft in the
workspace's database, and written to content/ only when approved, then by the
same function a direct save calls.

A draft is checked when it is proposed by making the change on a copy of
content/: it is refused then exactly when the save itself would refuse it.
"""

from __future__ import annotations

import datetime as dt
import difflib
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.utils import timezone

from bot import paths
from bot.content import clinic_editing, editing, examples, translation_editing
from bot.content.history import Author, ContentHistory
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


def topic_file(topic_id: str) -> Path:
    """A topic's file in content/ (where a retired one would have been)."""
    try:
        return editing.load_topic(paths.CONTENT_DIR, topic_id).file
    except editing.Invalid:
        return paths.CONTENT_DIR / "topics" / f"{topic_id}.yml"


# Each kind: how the change is made, in `root` (content/ or a copy of it), as
# the draft's author; `history` is None on a copy.
Apply = Callable[[Draft, Path, Author, "ContentHistory | None"], Any]


def _edit(draft, root, author, history):
    return editing.save_topic(
        root, draft.topic_id, fields_of(draft), draft.base_version, author, history
    )


def _new(draft, root, author, history):
    return editing.new_topic(root, fields_of(draft), author, history)


def _retire(draft, root, author, history):
    return editing.retire_topic(
        root, draft.topic_id, author, history, base_version=draft.base_version or None
    )


def _clinic(draft, root, author, history):
    return clinic_editing.save_clinic(root, draft.fields, draft.base_version, author, history)


def _sources(draft, root, author, history):
    return clinic_editing.save_sources(
        root, draft.fields["rows"], draft.base_version, author, history
    )


def _revert(draft, root, author, history):
    if history is not None:
        return editing.revert(
            root, history, draft.fields["sha"], topic_file(draft.topic_id), author
        )
    # On a copy: the old text, checked as editing.revert checks it.
    old, rel, _ = common.history().restore_plan(draft.fields["sha"], topic_file(draft.topic_id))
    checked = editing.check(root, {rel: old}, rel)
    if checked.errors:
        raise editing.Invalid(checked.errors, checked.warnings)
    (root / rel).write_text(old, encoding="utf-8")
    return None


def save_translation(root, topic_id: str, fields: dict, base_version: str, author, history):
    """A translation as the translation page posts it (its fields as a draft keeps them)."""
    reviewed_on = fields.get("reviewed_on")
    if isinstance(reviewed_on, str):
        reviewed_on = dt.date.fromisoformat(reviewed_on)
    return translation_editing.save(
        root,
        topic_id,
        fields["language"],
        fields["title"],
        fields["answer"],
        base_version,
        author,
        history,
        reviewed_by=fields.get("reviewed_by"),
        today=reviewed_on,
    )


def _translation(draft, root, author, history):
    return save_translation(root, draft.topic_id, draft.fields, draft.base_version, author, history)


def _example(draft, root, author, history):
    try:
        changed = examples.add(root, draft.topic_id, draft.fields["question"])
    except examples.ExampleError as exc:
        raise editing.Invalid({"question": [str(exc)]}) from None
    if history is not None:
        history.commit([changed], author, f"{draft.topic_id}: example question from the inbox")
    return changed


APPLY: dict[str, Apply] = {
    Draft.EDIT: _edit,
    Draft.NEW: _new,
    Draft.RETIRE: _retire,
    Draft.CLINIC: _clinic,
    Draft.SOURCES: _sources,
    Draft.REVERT: _revert,
    Draft.EXAMPLE: _example,
    Draft.TRANSLATION: _translation,
}


def _on_copy(draft: Draft) -> tuple[Path, tempfile.TemporaryDirectory]:
    """content/ copied, with the draft's change made in the copy."""
    temp = tempfile.TemporaryDirectory(prefix="haip-draft-")
    copy = Path(temp.name) / "content"
    shutil.copytree(paths.CONTENT_DIR, copy, ignore=shutil.ignore_patterns(".*"))
    try:
        APPLY[draft.kind](draft, copy, common.author(draft.author), None)
    except BaseException:
        temp.cleanup()
        raise
    return copy, temp


def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines(keepends=True) if path.exists() else []


def _diff(copy: Path) -> str:
    """How the copy differs from content/, as a unified diff of its files."""
    names = sorted(
        {p.relative_to(copy) for p in copy.rglob("*.yml")}
        | {p.relative_to(paths.CONTENT_DIR) for p in paths.CONTENT_DIR.rglob("*.yml")}
    )
    lines: list[str] = []
    for name in names:
        old, new = _lines(paths.CONTENT_DIR / name), _lines(copy / name)
        if old != new:
            lines += difflib.unified_diff(old, new, f"now/{name}", f"approved/{name}")
    return "".join(lines)


def what_changes(draft: Draft) -> str:
    """The files the draft would change, as a unified diff against content/
    now; empty if it would change nothing or could no longer be made."""
    try:
        copy, temp = _on_copy(draft)
    except (editing.Invalid, editing.Conflict):
        return ""
    with temp:
        return _diff(copy)


def propose(
    user,
    kind: str,
    target: str,
    fields: dict[str, Any],
    base_version: str = "",
    changed: str = "",
) -> Draft | None:
    """Keeps the change as a draft, once it is checked as its save would be
    (editing.Invalid, editing.Conflict; nothing is kept then). None, and
    nothing kept, for a change that would change nothing."""
    draft = Draft(
        kind=kind,
        topic_id=target,
        fields=_stored(fields),
        base_version=base_version,
        changed=changed[:200],
        author=user,
    )
    copy, temp = _on_copy(draft)
    with temp:
        if not _diff(copy):
            return None
    draft.save()
    log.record(user, f"proposed {kind}", target, f"draft {draft.pk}: {draft.changed}"[:500])
    return draft


def propose_topic_edit(user, current: editing.Editable, fields: dict[str, Any], base_version: str):
    changed = [k for k in editing.EDITABLE_FIELDS if fields.get(k) != current.fields.get(k)]
    return propose(user, Draft.EDIT, current.topic_id, fields, base_version, ", ".join(changed))


def approve(user, draft: Draft):
    if draft.status != Draft.PENDING:
        raise NotAllowed("This draft was already decided.")
    if draft.author_id == user.pk:
        raise NotAllowed("A second person must approve a change: not its author.")
    author = draft.author or user
    try:
        saved = APPLY[draft.kind](draft, paths.CONTENT_DIR, common.author(author), common.history())
    except (editing.Conflict, editing.Invalid):
        _decide(user, draft, Draft.STALE)
        raise
    _decide(user, draft, Draft.APPROVED)
    log.record(user, f"approved {draft.kind}", draft.topic_id, f"draft {draft.pk} by {author}")
    return saved


def reject(user, draft: Draft) -> None:
    if draft.status != Draft.PENDING:
        raise NotAllowed("This draft was already decided.")
    _decide(user, draft, Draft.REJECTED)
    log.record(user, f"rejected {draft.kind}", draft.topic_id, f"draft {draft.pk}")


def _decide(user, draft: Draft, status: str) -> None:
    draft.status, draft.decided_by, draft.decided_at = status, user, timezone.now()
    draft.save()
