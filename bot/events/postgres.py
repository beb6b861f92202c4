"""Rasa's events in PostgreSQL, when the assistant is scaled out
(docs/scaling-out.md): Rasa's SQL event broker writes each event to the `events`
table of HAIP_POSTGRES_EVENTS_DB, where they are read; retention deletes there
and in the tracker store (HAIP_POSTGRES_DB).

Several Rasa servers take ids from one PostgreSQL sequence, so ids are not
always committed in order: out_of_order tells a reader to wait at a gap."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator

from bot.events.source import Forgotten, Row, text_of
from bot.settings import ScaleOut

CONNECT_TIMEOUT_S = 10


@contextlib.contextmanager
def cursor(scale_out: ScaleOut, db: str) -> Iterator:
    """One transaction on db, committed on success."""
    import psycopg2

    dsn = scale_out.dsn(db)
    with contextlib.closing(psycopg2.connect(dsn, connect_timeout=CONNECT_TIMEOUT_S)) as conn:
        with conn, conn.cursor() as cur:
            yield cur


def rows(scale_out: ScaleOut, db: str, query: str, args: tuple) -> list[tuple]:
    """The query's rows; none while the table does not exist (nothing written yet)."""
    import psycopg2.errors

    try:
        with cursor(scale_out, db) as cur:
            cur.execute(query, args)
            return cur.fetchall() if cur.description else []
    except psycopg2.errors.UndefinedTable:
        return []


class PostgresEvents:
    out_of_order = True

    def __init__(self, scale_out: ScaleOut):
        self.scale_out = scale_out

    def _rows(self, query: str, args: tuple, db: str | None = None) -> list[tuple]:
        return rows(self.scale_out, db or self.scale_out.events_db, query, args)

    def after(self, position: int, limit: int) -> list[Row]:
        """Shaped as the tracker file's rows: the broker keeps the JSON only."""
        shaped = []
        for event_id, sender_id, data in self._rows(
            "SELECT id, sender_id, data FROM events WHERE id > %s ORDER BY id LIMIT %s",
            (position, limit),
        ):
            try:
                event = json.loads(data or "{}")
            except ValueError:
                event = {}
            kind = event.get("event")
            name = event.get("name") if kind == "action" else None
            shaped.append((event_id, sender_id, kind, event.get("timestamp"), name, data))
        return shaped

    def texts(self, event_ids: list[int]) -> dict[int, str]:
        if not event_ids:
            return {}
        return {
            event_id: text_of(data)
            for event_id, data in self._rows(
                "SELECT id, data FROM events WHERE id = ANY(%s)", (list(event_ids),)
            )
        }

    def forget_older_than(self, cutoff: float) -> Forgotten:
        """Found in the tracker store, deleted from the event broker, then from
        the tracker store: a run stopped between the two finds them again."""
        tracker_db = self.scale_out.tracker_db
        senders = [
            sender
            for (sender,) in self._rows(
                "SELECT sender_id FROM events GROUP BY sender_id HAVING MAX(timestamp) < %s",
                (cutoff,),
                tracker_db,
            )
        ]
        if not senders:
            return Forgotten([], 0)
        self._rows("DELETE FROM events WHERE sender_id = ANY(%s)", (senders,))
        with cursor(self.scale_out, tracker_db) as tracker:
            tracker.execute("DELETE FROM events WHERE sender_id = ANY(%s)", (senders,))
            return Forgotten(senders, tracker.rowcount)
