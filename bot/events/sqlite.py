"""Rasa's events in its SQLite tracker file (one machine). Read read-only and
briefly, so Rasa's writes wait for no more than one query; retention deletes
with secure_delete, so deleted text is not left on disk.

SQLite hands out ids in commit order (one writer at a time), so a reader that
follows by id never skips a late commit."""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

from bot import sqlite_files
from bot.events.source import Forgotten, Row, text_of

CHUNK = 500


class SQLiteEvents:
    out_of_order = False

    def __init__(self, tracker_db: Path):
        self.tracker_db = Path(tracker_db)

    def _reading(self):
        """None until Rasa has made the file (its table: see opened_once_made)."""
        return sqlite_files.opened_once_made(self.tracker_db)

    def after(self, position: int, limit: int) -> list[Row]:
        with self._reading() as connection:
            if connection is not None:
                return connection.execute(
                    "SELECT id, sender_id, type_name, timestamp, action_name, data FROM events"
                    " WHERE id > ? ORDER BY id LIMIT ?",
                    (position, limit),
                ).fetchall()
        return []

    def texts(self, event_ids: list[int]) -> dict[int, str]:
        found: dict[int, str] = {}
        with self._reading() as connection:
            if connection is None:
                return found
            for start in range(0, len(event_ids), CHUNK):
                chunk = event_ids[start : start + CHUNK]
                marks = ",".join("?" * len(chunk))
                for event_id, data in connection.execute(
                    f"SELECT id, data FROM events WHERE id IN ({marks})", chunk
                ):
                    found[event_id] = text_of(data)
        return found

    def forget_older_than(self, cutoff: float) -> Forgotten:
        """The conversation holding the newest event always stays: SQLite would
        hand its id out again, and a reader's saved position would then skip
        new events."""
        if not self.tracker_db.exists():
            return Forgotten([], 0)
        with contextlib.closing(sqlite3.connect(self.tracker_db, timeout=30)) as tracker:
            tracker.execute("PRAGMA secure_delete=ON")
            try:
                senders = [
                    sender
                    for (sender,) in tracker.execute(
                        "SELECT sender_id FROM events GROUP BY sender_id HAVING MAX(timestamp) < ?"
                        " AND MAX(id) < (SELECT MAX(id) FROM events)",
                        (cutoff,),
                    )
                ]
            except sqlite3.OperationalError as exc:
                if "no such table" in str(exc):
                    return Forgotten([], 0)
                raise
            events = 0
            with tracker:
                for sender in senders:
                    events += tracker.execute(
                        "DELETE FROM events WHERE sender_id = ?", (sender,)
                    ).rowcount
        return Forgotten(senders, events)
