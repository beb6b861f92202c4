"""What every editor page needs: where the content and its history live, and
who is saving."""

from __future__ import annotations

import threading
from pathlib import Path

from bot import paths, settings
from bot.content.editing import Author
from bot.content.history import ContentHistory
from bot.content.loader import Content
from bot.content.store import ContentStore

_stores: list[ContentStore] = []


def content() -> Content:
    """The valid content, read again only when a file changed (ContentStore):
    for what every request asks (the clinic's clock, the overview's figures).
    ContentError if there has never been valid content."""
    if not _stores or _stores[0].content_dir != paths.CONTENT_DIR:
        _stores[:] = [ContentStore(paths.CONTENT_DIR)]
    return _stores[0].get()


_histories: dict[tuple[Path, Path], ContentHistory] = {}
_histories_lock = threading.Lock()


def history() -> ContentHistory:
    """The content's history, opened (and started, if new) once per content
    folder and git directory rather than on every request: git itself keeps
    what commits change, under the history's own lock. Opened again only if the
    git directory has gone (e.g. restored from a backup)."""
    where = (paths.CONTENT_DIR, settings.path("HAIP_CONTENT_HISTORY"))
    with _histories_lock:
        kept = _histories.get(where)
        if kept is None or not (kept.git_dir / "HEAD").exists():
            kept = ContentHistory(*where)
            kept.ensure()
            _histories[where] = kept
    return kept


def author(user) -> Author:
    name = user.get_full_name() or user.get_username()
    # git needs an address; a staff account without one gets a clearly fake one.
    return Author(name=name, email=user.email or f"{user.get_username()}@staff.invalid")
