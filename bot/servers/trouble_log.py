"""Which patient messages got the trouble message. Our channels send it outside
Rasa's conversation (Rasa is still working, or has failed), so Rasa's events do
not show it; this log does, for the staff workspace's review log, which reads
and deletes it only through TroubleLog. It holds ids and a time, never the
patient's words.

On one machine it is a SQLite file of its own (HAIP_TROUBLE_DB, by default
trouble.db beside the tracker file), private as the others. Installations from
before kept the same table inside Rasa's tracker file; it is left there, unread:
the review log copied its rows long ago, and they hold no words, only ids of
conversations and times. The new file numbers its rows from 1 again, so the
review log keeps its position in it under a name of its own (position_key).

Scaled out (docs/scaling-out.md), the table is in PostgreSQL beside Rasa's
event broker, where the review log reads it, whichever machine the Rasa server
that wrote it runs on."""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import time
from collections.abc import Mapping
from pathlib import Path

import sqlite_utils
from sqlite_utils.migrations import Migrations

from bot import settings, sqlite_files
from bot.events import postgres
from bot.settings import ScaleOut

logger = logging.getLogger(__name__)

TABLE = "haip_trouble_messages"
# AUTOINCREMENT: an id is never handed out twice, even after retention deleted
# the newest row, so the review log's saved position never skips a new one.
SCHEMA = (
    f"CREATE TABLE IF NOT EXISTS {TABLE} (id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " sender_id TEXT NOT NULL, message_id TEXT NOT NULL, timestamp REAL NOT NULL)"
)
# A patient's reply waits on the record: a locked file is given up on quickly.
RECORD_WAIT_S = 5.0

MIGRATIONS = Migrations("haip-trouble-log")


@MIGRATIONS()
def m001_table(db: sqlite_utils.Database) -> None:
    db.execute(SCHEMA)


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

    @classmethod
    def from_settings(
        cls, env: Mapping[str, str] | None = None, tracker_db: Path | None = None
    ) -> TroubleLog:
        """The log the settings name; unless set, the one beside tracker_db if given."""
        return cls(settings.trouble_db(env, tracker_db), ScaleOut.from_env(env))

    @property
    def position_key(self) -> str:
        """Under which name a reader keeps its position in this log's ids."""
        return "trouble-messages" if self.scale_out is not None else "trouble-log"

    @property
    def out_of_order(self) -> bool:
        """Scaled out, several servers take ids from one sequence: a reader
        following by id waits at a gap."""
        return self.scale_out is not None

    def record(self, sender_id: str, message_id: str) -> None:
        """Never raises: the patient's trouble message matters more than its record."""
        if self.scale_out is not None:
            self._record_in_postgres(sender_id, message_id)
            return
        try:
            connection = sqlite_files.connect_shared(self.db, switch_wait_s=RECORD_WAIT_S)
            with contextlib.closing(connection):
                db = sqlite_utils.Database(connection)
                sqlite_files.migrate(db, MIGRATIONS)
                with connection:
                    connection.execute(
                        f"INSERT INTO {TABLE} (sender_id, message_id, timestamp) VALUES (?, ?, ?)",
                        (sender_id, message_id, time.time()),
                    )
        except (sqlite3.Error, OSError) as exc:
            logger.error("Could not record a trouble message (%s).", type(exc).__name__)

    def _record_in_postgres(self, sender_id: str, message_id: str) -> None:
        import psycopg2

        try:
            with postgres.cursor(self.scale_out, self.scale_out.events_db) as cursor:
                cursor.execute(
                    f"INSERT INTO {TABLE} (sender_id, message_id, timestamp) VALUES (%s, %s, %s)",
                    (sender_id, message_id, time.time()),
                )
        except psycopg2.Error as exc:
            logger.error("Could not record a trouble message (%s).", type(exc).__name__)

    def _sqlite(self, read_only: bool):
        """None until the first record made the file and its table."""
        return sqlite_files.opened_once_made(self.db, read_only)

    def after(self, position: int, limit: int) -> list[tuple[int, str, str, float]]:
        """(id, sender_id, message_id, timestamp) rows above position, oldest first."""
        query = (
            f"SELECT id, sender_id, message_id, timestamp FROM {TABLE}"
            " WHERE id > ? ORDER BY id LIMIT ?"
        )
        if self.scale_out is not None:
            return postgres.rows(
                self.scale_out,
                self.scale_out.events_db,
                query.replace("?", "%s"),
                (position, limit),
            )
        with self._sqlite(read_only=True) as connection:
            if connection is not None:
                return connection.execute(query, (position, limit)).fetchall()
        return []

    def forget(self, senders: list[str], older_than: float | None = None) -> int:
        """Retention: the rows of these conversations, and every row older than
        older_than (a Unix time); how many. The review log reads each row once,
        soon after it is written, so an old row is of no more use to anyone;
        deleting by age also takes the rows of conversations whose events a
        retention run deleted before it was killed, which no later run can name."""
        if not senders and older_than is None:
            return 0
        if self.scale_out is not None:
            deleted = postgres.rows(
                self.scale_out,
                self.scale_out.events_db,
                f"DELETE FROM {TABLE} WHERE sender_id = ANY(%s) OR timestamp < %s RETURNING id",
                (senders, -1.0 if older_than is None else older_than),
            )
            return len(deleted)
        with self._sqlite(read_only=False) as connection:
            if connection is not None:
                connection.execute("PRAGMA secure_delete=ON")
                with connection:
                    marks = ",".join("?" * len(senders))
                    return connection.execute(
                        f"DELETE FROM {TABLE} WHERE sender_id IN ({marks}) OR timestamp < ?",
                        [*senders, -1.0 if older_than is None else older_than],
                    ).rowcount
        return 0
