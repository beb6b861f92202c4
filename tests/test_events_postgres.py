"""Rasa's events in PostgreSQL as our processes delete them (bot/events/postgres.py,
bot/servers/trouble_log.py), on a real PostgreSQL started here (harness/scale_out.py's,
in about a second) with the tables as Rasa 3.6 makes them, written as Rasa writes
them: each event to the event broker, then the turn to the tracker store. No Rasa
server: tests/test_scale_out.py runs retention against real ones."""

import contextlib
import json
import time

import psycopg2
import psycopg2.extensions
import pytest

from bot.events import postgres as postgres_events
from bot.events.postgres import PostgresEvents
from bot.events.source import Busy
from bot.servers import trouble_log
from bot.servers.trouble_log import TroubleLog
from bot.settings import ScaleOut
from harness.scale_out import Postgres, missing

DAY = 86400
# As SQLAlchemy's create_all makes Rasa 3.6's SQLTrackerStore.SQLEvent and
# SQLEventBroker.SQLBrokerEvent.
TRACKER_TABLE = (
    "CREATE TABLE events (id SERIAL PRIMARY KEY, sender_id VARCHAR(255) NOT NULL,"
    " type_name VARCHAR(255) NOT NULL, timestamp FLOAT, intent_name VARCHAR(255),"
    " action_name VARCHAR(255), data TEXT);"
    " CREATE INDEX ix_events_sender_id ON events (sender_id)"
)
BROKER_TABLE = "CREATE TABLE events (id SERIAL PRIMARY KEY, sender_id VARCHAR(255), data TEXT)"
CONNECT = psycopg2.connect


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    problem = missing()
    assert problem is None, f"{problem}: `make system-packages` installs it"
    running = Postgres()
    pgpass = tmp_path_factory.mktemp("postgres") / "pgpass"
    try:
        running.start(pgpass)
        yield running, pgpass
    finally:
        running.stop()


class Rasa:
    """Rasa's two databases, fresh for each test."""

    def __init__(self, port: int):
        self.scale_out = ScaleOut("127.0.0.1", port, "haip", "haip", "haip_events", "127.0.0.1", 0)
        self.clock = 1_796_000_000.0
        self.sql(self.scale_out.tracker_db, f"DROP TABLE IF EXISTS events; {TRACKER_TABLE}")
        self.sql(
            self.scale_out.events_db,
            f"DROP TABLE IF EXISTS events, {trouble_log.TABLE};"
            f" {BROKER_TABLE}; {trouble_log.PG_SCHEMA}",
        )

    def sql(self, db: str, query: str, args: tuple = ()) -> list[tuple]:
        """Committed, on a connection of its own, as another process's."""
        with contextlib.closing(CONNECT(self.scale_out.dsn(db))) as connection:
            with connection, connection.cursor() as cursor:
                cursor.execute(query, args)
                return cursor.fetchall() if cursor.description else []

    def user(self, sender: str, text: str, saved: bool = True) -> None:
        """A patient message published to the broker and, if saved, stored in the tracker."""
        self.clock += 1
        event = {"event": "user", "timestamp": self.clock, "text": text}
        self.sql(
            self.scale_out.events_db,
            "INSERT INTO events (sender_id, data) VALUES (%s, %s)",
            (sender, json.dumps({"sender_id": sender, **event})),
        )
        if saved:
            self.sql(
                self.scale_out.tracker_db,
                "INSERT INTO events (sender_id, type_name, timestamp, data)"
                " VALUES (%s, 'user', %s, %s)",
                (sender, self.clock, json.dumps(event)),
            )

    def texts(self, db: str) -> list[tuple[str, str]]:
        rows = self.sql(db, "SELECT sender_id, data FROM events ORDER BY id")
        return [(sender, json.loads(data)["text"]) for sender, data in rows]


@pytest.fixture
def rasa(server, monkeypatch):
    postgres, pgpass = server
    monkeypatch.setenv("PGPASSFILE", str(pgpass))
    return Rasa(postgres.port)


def test_a_patient_who_writes_as_retention_deletes_keeps_the_conversation_in_both_databases(
    rasa, monkeypatch
):
    rasa.user("old-1", "first question")
    rasa.user("old-2", "second question")
    rasa.user("old-3", "third question")
    rasa.clock += 200 * DAY
    rasa.user("new", "what is the pump")
    cutoff = rasa.clock - 180 * DAY
    written = []

    class Traced(psycopg2.extensions.cursor):
        def execute(self, query, args=None):
            done = super().execute(query, args)
            if not written:
                # Right after retention's first statement (its choice), old-1's
                # patient writes again, and old-3's message is in the broker
                # while Rasa has yet to save its turn to the tracker store.
                rasa.user("old-1", "I am back")
                rasa.user("old-3", "me too", saved=False)
                written.append(True)
            return done

    with monkeypatch.context() as patched:
        patched.setattr(
            psycopg2, "connect", lambda *a, **k: CONNECT(*a, **k, cursor_factory=Traced)
        )
        forgotten = PostgresEvents(rasa.scale_out).forget_older_than(cutoff)

    assert written and (forgotten.senders, forgotten.events) == (["old-2"], 1)
    kept = [("old-1", "first question"), ("old-3", "third question"),
            ("new", "what is the pump"), ("old-1", "I am back")]  # fmt: skip
    assert rasa.texts(rasa.scale_out.tracker_db) == kept
    assert rasa.texts(rasa.scale_out.events_db) == [*kept, ("old-3", "me too")]


def test_rasa_writing_past_the_wait_makes_retention_busy_having_deleted_nothing(rasa, monkeypatch):
    """Retention holds Rasa's writes back while it checks and deletes, and waits
    for a write under way; one that outlasts the wait makes it Busy, with
    nothing deleted in either database."""
    monkeypatch.setattr(postgres_events, "DELETE_WAIT_S", 0.2)
    rasa.user("old", "how long is the hospital stay")
    rasa.clock += 200 * DAY
    rasa.user("new", "what is the pump")
    events = PostgresEvents(rasa.scale_out)
    cutoff = rasa.clock - 180 * DAY
    both = (rasa.scale_out.tracker_db, rasa.scale_out.events_db)
    before = [rasa.texts(db) for db in both]

    # Rasa publishing an event, its transaction not yet committed.
    with contextlib.closing(CONNECT(rasa.scale_out.dsn(rasa.scale_out.events_db))) as broker:
        with broker, broker.cursor() as publishing:
            publishing.execute(
                "INSERT INTO events (sender_id, data) VALUES ('late', '{\"text\": \"hello\"}')"
            )
            with pytest.raises(Busy, match="lock timeout"):
                events.forget_older_than(cutoff)
            assert [rasa.texts(db) for db in both] == before

    assert events.forget_older_than(cutoff).senders == ["old"]
    assert rasa.texts(rasa.scale_out.tracker_db) == [("new", "what is the pump")]
    assert rasa.texts(rasa.scale_out.events_db) == [("new", "what is the pump"),
                                                    ("late", "hello")]  # fmt: skip


def test_the_trouble_log_forgets_its_conversations_and_rows_older_than_the_limit(rasa, tmp_path):
    log = TroubleLog(tmp_path / "unused.db", rasa.scale_out)
    log.record("old", "m-1")
    log.record("new", "m-2")
    limit = time.time() - 180 * DAY
    rasa.sql(
        rasa.scale_out.events_db,
        f"INSERT INTO {trouble_log.TABLE} (sender_id, message_id, timestamp) VALUES (%s, %s, %s)",
        ("deleted-before", "m-0", limit - 20 * DAY),
    )
    assert log.forget([], older_than=limit) == 1
    assert log.forget(["old"], older_than=limit) == 1
    assert [(r[1], r[2]) for r in log.after(0, 10)] == [("new", "m-2")]
    assert not (tmp_path / "unused.db").exists()
