"""The reminder store as the actions open it: once per file and process."""

from __future__ import annotations

import functools
from pathlib import Path

from bot import paths
from bot.reminders.store import ReminderStore


def store() -> ReminderStore:
    return _store_at(paths.reminders_db())


@functools.lru_cache(maxsize=8)
def _store_at(path: Path) -> ReminderStore:
    # Opened once per file and process, not on every action call.
    return ReminderStore(path)
