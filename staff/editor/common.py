"""What every editor page needs: where the content and its history live, and
who is saving."""

from __future__ import annotations

from bot import paths, settings
from bot.content.editing import Author
from bot.content.history import ContentHistory


def history() -> ContentHistory:
    kept = ContentHistory(paths.CONTENT_DIR, settings.path("HAIP_CONTENT_HISTORY"))
    kept.ensure()
    return kept


def author(user) -> Author:
    name = user.get_full_name() or user.get_username()
    # git needs an address; a staff account without one gets a clearly fake one.
    return Author(name=name, email=user.email or f"{user.get_username()}@staff.invalid")
