"""What every editor page needs: where the content and its history live, and
who is saving."""

from __future__ import annotations

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


def history() -> ContentHistory:
    kept = ContentHistory(paths.CONTENT_DIR, settings.path("HAIP_CONTENT_HISTORY"))
    kept.ensure()
    return kept


def author(user) -> Author:
    name = user.get_full_name() or user.get_username()
    # git needs an address; a staff account without one gets a clearly fake one.
    return Author(name=name, email=user.email or f"{user.get_username()}@staff.invalid")
