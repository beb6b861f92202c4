"""Which patient messages got the trouble message. Our channels send it outside
Rasa's conversation (Rasa is still working, or has failed), so Rasa's events do
not show it; this table, beside Rasa's in the tracker file, does, for the staff
workspace's review log. It holds ids and a time, never the patient's words.

Scaled out (README, Scaling out), the table is in PostgreSQL beside Rasa's
event broker, where the review log reads it, whichever machine the Rasa server
that wrote it runs on."""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import time
from pathlib import Path

from bot.settings import ScaleOut

logger = logging.getLogger(__name__)

TABLE = "haip_trouble_messages"
SCHEMA = (
    f"CREATE TABLE IF NOT EXISTS {TABLE} (id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " sender_id TEXT NOT NULL, message_id TEXT NOT NULL, timestamp REAL NOT NULL)"
)


# Made with Rasa's tables before a Rasa server starts (bot/rasa/postgres_tables.py),
# under their lock: two servers making it at once can fail as they did on Rasa's.
PG_SCHEMA = (
    f"CREATE TABLE IF NOT EXISTS {TABLE} (id BIGSERIAL PRIMARY KEY,"
    " sender_id TEXT NOT NULL, message_id TEXT NOT NULL, timestamp DOUBLE PRECISION NOT NULL)"
)


class TroubleLog:
    def __init__(self, db: Path, scale_out: ScaleOut | None = None):
        self.db = Path(db)
        self.scale_out = scale_out

    def record(self, sender_id: str, message_id: str) -> None:
        """Never raises: the patient's trouble message matters more than its record."""
        if self.scale_out is not None:
            self._record_in_postgres(sender_id, message_id)
            return
        try:
            with contextlib.closing(sqlite3.connect(self.db, timeout=5)) as connection:
                with connection:
                    connection.execute(SCHEMA)
                    connection.execute(
                        f"INSERT INTO {TABLE} (sender_id, message_id, timestamp) VALUES (?, ?, ?)",
                        (sender_id, message_id, time.time()),
                    )
        except (sqlite3.Error, OSError) as exc:
            logger.error("Could not record a trouble message (%s).", type(exc).__name__)

    def _record_in_postgres(self, sender_id: str, message_id: str) -> None:
        import psycopg2

        dsn = self.scale_out.dsn(self.scale_out.events_db)
        try:
            with contextlib.closing(psycopg2.connect(dsn, connect_timeout=5)) as connection:
                with connection, connection.cursor() as cursor:
                    cursor.execute(
                        f"INSERT INTO {TABLE} (sender_id, message_id, timestamp)"
                        " VALUES (%s, %s, %s)",
                        (sender_id, message_id, time.time()),
                    )
        except psycopg2.Error as exc:
            logger.error("Could not record a trouble message (%s).", type(exc).__name__)


def read_after(db: Path, after: int, limit: int) -> list[tuple[int, str, str, float]]:
    """(id, sender_id, message_id, timestamp) rows, oldest first; none if no table yet."""
    if not Path(db).exists():
        return []
    with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)) as db_:
        try:
            return db_.execute(
                f"SELECT id, sender_id, message_id, timestamp FROM {TABLE} WHERE id > ?"
                " ORDER BY id LIMIT ?",
                (after, limit),
            ).fetchall()
        except sqlite3.OperationalError as exc:
            if "no such table" in str(exc):
                return []
            raise


def forget(connection: sqlite3.Connection, sender_id: str) -> int:
    """Retention: the rows of one conversation, in the caller's transaction."""
    try:
        return connection.execute(f"DELETE FROM {TABLE} WHERE sender_id = ?", (sender_id,)).rowcount
    except sqlite3.OperationalError as exc:
        if "no such table" in str(exc):
            return 0
        raise
