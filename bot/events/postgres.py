"""Rasa's events in PostgreSQL, when the assistant is scaled out
(docs/scaling-out.md): Rasa's SQL event broker writes each event to the `events`
table of HAIP_POSTGRES_EVENTS_DB, where they are read; retention deletes there
and in the tracker store (HAIP_POSTGRES_DB). Rasa saves a turn by publishing its
events to the broker, then storing them in the tracker store, each in its own
transaction.

Several Rasa servers take ids from one PostgreSQL sequence, so ids are not
always committed in order: out_of_order tells a reader to wait at a gap."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator

from bot.events.source import Busy, Forgotten, Row, text_of
from bot.settings import ScaleOut

CONNECT_TIMEOUT_S = 10
# Retention waits this long for a write of Rasa's under way; Rasa's writes wait
# in turn while it checks and deletes.
DELETE_WAIT_S = 30.0


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
        """Chosen in the tracker store without holding Rasa back; then, with
        Rasa's writes held back in both databases, each chosen conversation is
        deleted only if neither database has an event of it at or after the
        cutoff: a patient may write between the choice and the delete, and Rasa
        publishes a turn to the broker before it stores it. The broker commits
        first: a run stopped between the two commits leaves the tracker store's
        rows, where the next run chooses them again."""
        import psycopg2.errors

        tracker_db, events_db = self.scale_out.tracker_db, self.scale_out.events_db
        candidates = [sender for (sender,) in self._rows(_OLD, (cutoff,), tracker_db)]
        if not candidates:
            return Forgotten([], 0)
        try:
            with (
                cursor(self.scale_out, tracker_db) as tracker,
                cursor(self.scale_out, events_db) as broker,
            ):
                for db in (tracker, broker):
                    db.execute(_WAIT, (f"{round(DELETE_WAIT_S * 1000)}ms",))
                    db.execute(_HOLD_WRITES)
                newer = set()
                for db, query in ((tracker, _NEWER_IN_TRACKER), (broker, _NEWER_IN_BROKER)):
                    db.execute(query, (candidates, cutoff))
                    newer.update(sender for (sender,) in db.fetchall())
                senders = [sender for sender in candidates if sender not in newer]
                broker.execute(_DELETE, (senders,))
                tracker.execute(_DELETE, (senders,))
                events = tracker.rowcount
        except psycopg2.errors.LockNotAvailable as exc:
            raise Busy(str(exc).strip()) from exc
        return Forgotten(senders, events)


# The conversations whose last event is older than the cutoff (the whole table:
# read while Rasa writes).
_OLD = "SELECT sender_id FROM events GROUP BY sender_id HAVING MAX(timestamp) < %s"
# How long a lock may be waited for, in this transaction only.
_WAIT = "SELECT set_config('lock_timeout', %s, true)"
# Until the commit, Rasa's inserts wait and its reads go on; two runs take turns.
_HOLD_WRITES = "LOCK TABLE events IN SHARE ROW EXCLUSIVE MODE"
# Which of the chosen conversations have an event at or after the cutoff: by the
# tracker store's timestamp column (Rasa indexes sender_id), and by the timestamp
# in the broker's JSON (it keeps no other).
_NEWER_IN_TRACKER = (
    "SELECT DISTINCT sender_id FROM events WHERE sender_id = ANY(%s) AND timestamp >= %s"
)
_NEWER_IN_BROKER = (
    "SELECT DISTINCT sender_id FROM events WHERE sender_id = ANY(%s)"
    " AND (data::json ->> 'timestamp')::float8 >= %s"
)
_DELETE = "DELETE FROM events WHERE sender_id = ANY(%s)"
