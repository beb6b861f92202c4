"""Rasa's events, as our processes read and delete them: Rasa writes the
`events` table (its tracker store, or its event broker when scaled out); the
review log, the originals and retention read or delete it only through
source.EventSource. Imports no Rasa."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from bot.events.postgres import PostgresEvents
from bot.events.source import EventSource
from bot.events.sqlite import SQLiteEvents
from bot.settings import ScaleOut


def for_tracker(tracker_db: Path, env: Mapping[str, str] | None = None) -> EventSource:
    """Rasa's events: in PostgreSQL when the settings scale out, else in tracker_db."""
    if scale_out := ScaleOut.from_env(env):
        return PostgresEvents(scale_out)
    return SQLiteEvents(tracker_db)
