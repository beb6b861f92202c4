"""Rasa's SQL tracker store, keeping the conversations' events it has read.

For every message, Rasa's SQLTrackerStore reads every event of the conversation
from the database and rebuilds each one: json.loads of its row, then
Event.from_parameters, which walks the tree of Event's subclasses for every
event. py-spy (bench/profile.py --growth) put a third of the Rasa server's time
there at message 150 of a conversation, the most of anything that grows with
its length. This store still asks the database which events the conversation
has (ids, types and times only: the same query, the same session rules), and
rebuilds only rows it has not seen; the rest come from its cache (user events
copied for each tracker, below).

The rows of the events table are written once and deleted (retention), never
changed, so a row seen once reads the same later. A row is known by its id,
type and time together: a deleted row's id that SQLite gives again to a new row
is not taken for the old one. Rows written by another server (two run during a
model switch) or deleted by the retention job show in the next read, as with
Rasa's store. At most `cached_events` events are kept (about 2.5 KB each: 50 MB
for the default 20,000), the conversations read least recently dropped first.

With SQLite it also keeps its connection open and commits without waiting for
the disk (below, _keep_sqlite_open).

endpoints.yml: `tracker_store: type: bot.rasa.tracker_store.CachingSQLTrackerStore`
with the SQL store's own settings (dialect, db, ...).
"""

from __future__ import annotations

import copy
import itertools
import json
import logging
from collections import OrderedDict
from collections.abc import Iterator
from typing import Any

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import Event, SessionStarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.utils.common import all_subclasses

logger = logging.getLogger(__name__)

RowKey = tuple[int, str, float | None]
# Ids per IN (...) query: below SQLite's oldest limit of 999 variables.
BATCH = 500


class CachingSQLTrackerStore(SQLTrackerStore):
    def __init__(self, *args: Any, cached_events: int = 20_000, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.cached_events = int(cached_events)
        self._events: OrderedDict[str, dict[RowKey, Event]] = OrderedDict()
        self._cached = 0  # events in self._events
        self._event_classes: dict[str, type[Event]] = {}
        if self.engine.dialect.name == "sqlite":
            self._keep_sqlite_open()
        self._statements = _Statements(self.SQLEvent.__table__)

    def _keep_sqlite_open(self) -> None:
        """SQLAlchemy 1.4 opens a new SQLite connection for every session and
        closes it after: for each message, a read and a save. Closing the last
        connection to a write-ahead-log file checkpoints the log into the
        database and deletes it, and each commit waits for the disk: on the
        Rasa server's one thread, that wait held up every other patient's
        message (a retrieve and save took 16-50 ms of wall time for 9-13 ms
        of CPU on a loaded 2-core machine; a one-off script, not kept). Here
        the connection stays open (as SQLAlchemy 2.0 does for SQLite files)
        and commits use synchronous=NORMAL, which SQLite documents as safe
        from corruption in WAL mode: a commit survives any process being
        killed; only a power cut or an operating system crash can lose the
        last turns written before it."""
        import sqlalchemy as sa

        engine = sa.create_engine(
            self.engine.url,
            poolclass=sa.pool.QueuePool,
            pool_size=1,
            connect_args={"check_same_thread": False},
        )

        @sa.event.listens_for(engine, "connect")
        def _normal_sync(connection, _record) -> None:
            # NORMAL is only safe in WAL mode (`make run` sets it; this keeps it so).
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=NORMAL")

        self.engine.dispose()
        self.engine = engine
        self.sessionmaker = sa.orm.session.sessionmaker(bind=engine)

    def _event_from(self, data: str) -> Event | None:
        """Event.from_parameters, with each event class looked up once."""
        parameters = json.loads(data)
        name = parameters.get("event")
        if name is None:
            return None
        cls = self._event_classes.get(name)
        if cls is None:
            self._event_classes = {c.type_name: c for c in all_subclasses(Event)}
            cls = self._event_classes.get(name)
        if cls is None:  # as Rasa's: old TopicSet rows are skipped, others raise
            return Event.from_parameters(parameters)
        return cls._from_parameters(parameters)

    async def _retrieve(
        self, sender_id: str, fetch_events_from_all_sessions: bool
    ) -> DialogueStateTracker | None:
        statements = self._statements
        keys_of = statements.all_keys if fetch_events_from_all_sessions else statements.keys
        with self.session_scope() as session:
            keys: list[RowKey] = [
                tuple(row) for row in session.execute(keys_of, {"sender_id": sender_id})
            ]
            known = self._events.pop(sender_id, {})
            self._cached -= len(known)
            missing = [key[0] for key in keys if key not in known]
            data: dict[int, str] = {}
            for start in range(0, len(missing), BATCH):
                chunk = missing[start : start + BATCH]
                data.update(tuple(row) for row in session.execute(statements.data, {"ids": chunk}))
        cached: dict[RowKey, Event] = {}
        events: list[Event] = []
        for key in keys:
            event = known.get(key)
            if event is None:
                if key[0] not in data:  # deleted between the two queries
                    continue
                event = self._event_from(data[key[0]])
                if event is None:
                    continue
            cached[key] = event
            # A user event is copied for each tracker: replaying the next action
            # sets its use_text_for_featurization (ActionExecuted.apply_to).
            # Rasa 3.6 sets nothing on other events once made (trackers.update
            # gives only new events their metadata), so trackers share them.
            events.append(copy.copy(event) if isinstance(event, UserUttered) else event)
        if cached:
            self._events[sender_id] = cached
            self._cached += len(cached)
            while self._cached > self.cached_events and len(self._events) > 1:
                self._cached -= len(self._events.popitem(last=False)[1])
        if not (self.domain and keys):
            logger.debug(f"Can't retrieve tracker matching sender id '{sender_id}'.")
            return None
        return DialogueStateTracker.from_events(sender_id, events, self.domain.slots)

    def _additional_events(self, session: Any, tracker: DialogueStateTracker) -> Iterator:
        """Rasa's: the tracker's events past those the session has in the table."""
        stored = session.execute(self._statements.count, {"sender_id": tracker.sender_id})
        return itertools.islice(tracker.events, stored.scalar(), len(tracker.events))


class _Statements:
    """The queries of Rasa's SQLTrackerStore._event_query, built once. Rasa
    builds them as ORM queries for every read and save, which cost the Rasa
    server more than running them (py-spy, `make profile`, 20 clients: Rasa's
    count before each save was 93 of the save's 175 samples, the commit 52);
    SQLAlchemy caches these compiled. The same
    conditions: a conversation's rows from its latest session_started on (by
    timestamp, as Rasa), or all of them if it has none, in id order."""

    def __init__(self, table: Any) -> None:
        import sqlalchemy as sa

        sender = sa.bindparam("sender_id")
        session_start = (
            sa.select(sa.func.max(table.c.timestamp).label("session_start"))
            .where(table.c.sender_id == sender, table.c.type_name == SessionStarted.type_name)
            .subquery()
        )
        in_session = sa.and_(
            table.c.sender_id == sender,
            sa.or_(
                table.c.timestamp >= session_start.c.session_start,
                session_start.c.session_start.is_(None),
            ),
        )
        key_columns = (table.c.id, table.c.type_name, table.c.timestamp)
        self.keys = sa.select(*key_columns).where(in_session).order_by(table.c.id)
        self.all_keys = (
            sa.select(*key_columns).where(table.c.sender_id == sender).order_by(table.c.id)
        )
        self.count = sa.select(sa.func.count()).select_from(
            sa.select(table.c.id).where(in_session).subquery()
        )
        self.data = sa.select(table.c.id, table.c.data).where(
            table.c.id.in_(sa.bindparam("ids", expanding=True))
        )
