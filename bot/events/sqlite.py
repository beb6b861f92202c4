"""Rasa's events in its SQLite tracker file (one machine). Read read-only and
briefly, so Rasa's writes wait for no more than one query; retention deletes
with secure_delete, so deleted text is not left on disk.

SQLite hands out ids in commit order (one writer at a time), so a reader that
follows by id never skips a late commit."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from bot import sqlite_files
from bot.events.source import Busy, Forgotten, Row, text_of

CHUNK = 500
# Retention waits this long for Rasa's write lock; Rasa's own writes wait for it
# in turn while it deletes.
DELETE_WAIT_S = 30.0


@contextlib.contextmanager
def _busy_as_busy() -> Iterator[None]:
    """SQLite's "database is locked" (a writer held it past our wait) as Busy."""
    try:
        yield
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            raise Busy(str(exc)) from exc
        raise


class SQLiteEvents:
    out_of_order = False

    def __init__(self, tracker_db: Path):
        self.tracker_db = Path(tracker_db)

    @contextlib.contextmanager
    def _reading(self) -> Iterator[sqlite3.Connection | None]:
        """None until Rasa has made the file (its table: see opened_once_made)."""
        with _busy_as_busy(), sqlite_files.opened_once_made(self.tracker_db) as connection:
            yield connection

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
        new events. Each delete asks again whether its conversation is still
        old: a patient may write between the question and the delete."""
        if not self.tracker_db.exists():
            return Forgotten([], 0)
        with (
            _busy_as_busy(),
            contextlib.closing(sqlite3.connect(self.tracker_db, timeout=DELETE_WAIT_S)) as tracker,
        ):
            tracker.execute("PRAGMA secure_delete=ON")
            try:
                candidates = [sender for (sender,) in tracker.execute(_OLD, (cutoff,))]
            except sqlite3.OperationalError as exc:
                if "no such table" in str(exc):
                    return Forgotten([], 0)
                raise
            senders, events = [], 0
            with tracker:
                for sender in candidates:
                    deleted = tracker.execute(_STILL_OLD, (sender, sender, cutoff, sender)).rowcount
                    if deleted:
                        senders.append(sender)
                        events += deleted
        return Forgotten(senders, events)


# The conversations whose last event is older than the cutoff, but the one
# holding the newest event.
_OLD = (
    "SELECT sender_id FROM events GROUP BY sender_id HAVING MAX(timestamp) < ?"
    " AND MAX(id) < (SELECT MAX(id) FROM events)"
)
# One of them, if it still is (Rasa's index on sender_id keeps this quick).
_STILL_OLD = (
    "DELETE FROM events WHERE sender_id = ?"
    " AND (SELECT MAX(timestamp) FROM events WHERE sender_id = ?) < ?"
    " AND (SELECT MAX(id) FROM events WHERE sender_id = ?) < (SELECT MAX(id) FROM events)"
)
