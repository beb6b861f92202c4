"""Rasa's events in PostgreSQL, when the assistant is scaled out (README,
Scaling out): Rasa's SQL event broker writes each event to the `events` table of
HAIP_POSTGRES_EVENTS_DB, and the review log reads them from there, as it reads
the tracker file otherwise. The original text of a logged message is read here
by the same event id; retention deletes here and in the tracker store.

Several Rasa servers take ids from one PostgreSQL sequence, so ids are not
always committed in order: the follower waits for a gap (Follower.settled).
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator

from bot.servers import trouble_log
from bot.settings import ScaleOut, Settings

CONNECT_TIMEOUT_S = 10


def from_settings() -> BrokerEvents | None:
    scale_out = Settings.from_env().scale_out
    return BrokerEvents(scale_out) if scale_out else None


class BrokerEvents:
    def __init__(self, scale_out: ScaleOut):
        self.scale_out = scale_out

    @contextlib.contextmanager
    def _cursor(self, db: str | None = None) -> Iterator:
        import psycopg2

        dsn = self.scale_out.dsn(db or self.scale_out.events_db)
        with contextlib.closing(psycopg2.connect(dsn, connect_timeout=CONNECT_TIMEOUT_S)) as conn:
            with conn, conn.cursor() as cursor:  # one transaction, committed on success
                yield cursor

    def _rows(self, query: str, args: tuple) -> list[tuple]:
        import psycopg2.errors

        try:
            with self._cursor() as cursor:
                cursor.execute(query, args)
                return cursor.fetchall()
        except psycopg2.errors.UndefinedTable:  # Rasa has not written yet
            return []

    def read(self, after: int, limit: int) -> list[tuple]:
        """Rows shaped as the tracker file's: (id, sender_id, type_name,
        timestamp, action_name, data)."""
        rows = self._rows(
            "SELECT id, sender_id, data FROM events WHERE id > %s ORDER BY id LIMIT %s",
            (after, limit),
        )
        shaped = []
        for event_id, sender_id, data in rows:
            try:
                event = json.loads(data or "{}")
            except ValueError:
                event = {}
            kind = event.get("event")
            name = event.get("name") if kind == "action" else None
            shaped.append((event_id, sender_id, kind, event.get("timestamp"), name, data))
        return shaped

    def trouble_after(self, after: int, limit: int) -> list[tuple]:
        """The trouble log's rows (bot/servers/trouble_log.py), as read_after's."""
        return self._rows(
            f"SELECT id, sender_id, message_id, timestamp FROM {trouble_log.TABLE}"
            " WHERE id > %s ORDER BY id LIMIT %s",
            (after, limit),
        )

    def texts(self, event_ids: list[int]) -> dict[int, str]:
        if not event_ids:
            return {}
        found = {}
        for event_id, data in self._rows(
            "SELECT id, data FROM events WHERE id = ANY(%s)", (list(event_ids),)
        ):
            try:
                found[event_id] = str(json.loads(data or "{}").get("text") or "")
            except ValueError:
                found[event_id] = ""
        return found

    def forget_older_than(self, cutoff: float) -> tuple[list[str], int]:
        """Conversations whose last event is older than cutoff, deleted from the
        event broker, then from the tracker store, where they are found: a run
        stopped between the two finds them again. (Their sender ids, the tracker
        events deleted.)"""
        import psycopg2.errors

        tracker_db = self.scale_out.tracker_db
        try:
            with self._cursor(tracker_db) as tracker:
                tracker.execute(
                    "SELECT sender_id FROM events GROUP BY sender_id HAVING MAX(timestamp) < %s",
                    (cutoff,),
                )
                senders = [row[0] for row in tracker.fetchall()]
        except psycopg2.errors.UndefinedTable:
            return [], 0
        if not senders:
            return [], 0
        self._rows("DELETE FROM events WHERE sender_id = ANY(%s) RETURNING id", (senders,))
        self._rows(
            f"DELETE FROM {trouble_log.TABLE} WHERE sender_id = ANY(%s) RETURNING id", (senders,)
        )
        with self._cursor(tracker_db) as tracker:
            tracker.execute("DELETE FROM events WHERE sender_id = ANY(%s)", (senders,))
            return senders, tracker.rowcount
