"""bot/rasa/tracker_store.py: the caching SQL tracker store gives the trackers
Rasa's SQLTrackerStore gives, however the rows change underneath it."""

import asyncio
import copy
import sqlite3

import pytest
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    BotUttered,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity

from bot import paths
from bot.rasa.tracker_store import CachingSQLTrackerStore


@pytest.fixture(scope="module")
def domain():
    return Domain.load(paths.ROOT / "domain.yml")


def run(coroutine):
    return asyncio.new_event_loop().run_until_complete(coroutine)


def turn(n: int, start: float) -> list:
    return [
        UserUttered(
            f"question {n}",
            {"name": "faq", "confidence": 0.9},
            parse_data={"intent": {"name": "faq", "confidence": 0.9}, "entities": []},
            timestamp=start + n,
        ),
        ActionExecuted("action_answer_faq", timestamp=start + n + 0.1),
        BotUttered(f"answer {n}", {"elements": None}, timestamp=start + n + 0.2),
        ActionExecuted("action_listen", timestamp=start + n + 0.3),
    ]


def state(tracker: DialogueStateTracker | None):
    return None if tracker is None else tracker.current_state(EventVerbosity.ALL)


def same_as_rasa(ours, rasas, sender: str) -> DialogueStateTracker:
    tracker = run(ours.retrieve(sender))
    assert state(tracker) == state(run(rasas.retrieve(sender)))
    assert state(run(ours.retrieve_full_tracker(sender))) == state(
        run(rasas.retrieve_full_tracker(sender))
    )
    # And a save would write what Rasa's would: the events past the stored ones.
    if tracker is not None:
        longer = copy.deepcopy(tracker)
        longer.update(ActionExecuted("action_listen", timestamp=10_000.0))
        with rasas.session_scope() as session:
            assert list(ours._additional_events(session, longer)) == list(
                rasas._additional_events(session, longer)
            )
    return tracker


def save(store, sender: str, events: list, domain) -> None:
    tracker = run(store.retrieve(sender)) or DialogueStateTracker(sender, domain.slots)
    for event in events:
        tracker.update(event)
    run(store.save(tracker))


def test_the_same_trackers_as_rasas_store(tmp_path, domain):
    db = str(tmp_path / "tracker.db")
    ours = CachingSQLTrackerStore(domain, dialect="sqlite", db=db)
    rasas = SQLTrackerStore(domain, dialect="sqlite", db=db)
    assert run(ours.retrieve("nobody")) is None
    events = [ActionExecuted("action_session_start", timestamp=1.0), SessionStarted(2.0)]
    events.append(ActionExecuted("action_listen", timestamp=3.0))
    save(ours, "a", events, domain)
    for n in range(5):
        save(ours, "a", turn(n, 10.0 * (n + 1)), domain)
        same_as_rasa(ours, rasas, "a")
    # Written by another server (a model switch runs two).
    save(rasas, "a", [SlotSet("refill_date", "2026-12-01", timestamp=100.0)], domain)
    tracker = same_as_rasa(ours, rasas, "a")
    assert tracker.get_slot("refill_date") == "2026-12-01"
    # A new session: only its events, as Rasa reads them.
    save(ours, "a", [SessionStarted(200.0), *turn(1, 300.0)], domain)
    tracker = same_as_rasa(ours, rasas, "a")
    assert len(tracker.events) == 5
    # A second conversation beside it.
    save(ours, "b", turn(7, 50.0), domain)
    same_as_rasa(ours, rasas, "b")
    same_as_rasa(ours, rasas, "a")


def test_deleted_rows_and_reused_ids(tmp_path, domain):
    db = tmp_path / "tracker.db"
    ours = CachingSQLTrackerStore(domain, dialect="sqlite", db=str(db))
    rasas = SQLTrackerStore(domain, dialect="sqlite", db=str(db))
    save(ours, "a", turn(1, 10.0), domain)
    same_as_rasa(ours, rasas, "a")
    # The retention job deletes a conversation; SQLite may give its last ids again.
    with sqlite3.connect(db) as connection:
        connection.execute("DELETE FROM events WHERE sender_id = 'a'")
    save(rasas, "a", turn(2, 500.0), domain)
    with sqlite3.connect(db) as connection:
        assert connection.execute("SELECT min(id) FROM events").fetchone() == (1,)
    tracker = same_as_rasa(ours, rasas, "a")
    assert [e.text for e in tracker.events if isinstance(e, UserUttered)] == ["question 2"]
    with sqlite3.connect(db) as connection:
        connection.execute("DELETE FROM events WHERE sender_id = 'a'")
    assert run(ours.retrieve("a")) is None


def test_each_tracker_has_its_own_user_events(tmp_path, domain):
    ours = CachingSQLTrackerStore(domain, dialect="sqlite", db=str(tmp_path / "t.db"))
    save(ours, "a", turn(1, 10.0), domain)
    first, second = run(ours.retrieve("a")), run(ours.retrieve("a"))
    users = [[id(e) for e in t.events if isinstance(e, UserUttered)] for t in (first, second)]
    assert users[0] and not set(users[0]) & set(users[1])
    first.latest_message.use_text_for_featurization = True
    assert run(ours.retrieve("a")).latest_message.use_text_for_featurization is not True


def test_at_most_so_many_events_are_kept(tmp_path, domain):
    ours = CachingSQLTrackerStore(
        domain, dialect="sqlite", db=str(tmp_path / "t.db"), cached_events=10
    )
    for sender in "abc":  # 4 events each
        save(ours, sender, turn(1, 10.0), domain)
        run(ours.retrieve(sender))
    assert list(ours._events) == ["b", "c"] and ours._cached == 8
    run(ours.retrieve("b"))  # read last: kept longest
    save(ours, "d", turn(1, 10.0), domain)
    run(ours.retrieve("d"))
    assert list(ours._events) == ["b", "d"] and ours._cached == 8


def test_sqlite_stays_open_in_wal_mode_and_commits_without_waiting_for_the_disk(tmp_path, domain):
    db = tmp_path / "tracker.db"
    store = CachingSQLTrackerStore(domain, dialect="sqlite", db=str(db))
    save(store, "patient", turn(1, 1000.0), domain)
    with store.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
    # Rasa's store closes its last connection after each save, which folds the
    # log into the database and deletes it; ours keeps the log open.
    save(store, "patient", turn(2, 1000.0), domain)
    assert (tmp_path / "tracker.db-wal").exists()
    assert len(run(store.retrieve("patient")).events) == 8


KILLED_AFTER_SAVE = """
import asyncio, os, signal, sys
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from bot import paths
from bot.rasa.tracker_store import CachingSQLTrackerStore

domain = Domain.load(paths.ROOT / "domain.yml")
store = CachingSQLTrackerStore(domain, dialect="sqlite", db=sys.argv[1])
tracker = DialogueStateTracker("patient", domain.slots)
for n in range(20):
    tracker.update(UserUttered(f"question {n}", {"name": "faq", "confidence": 0.9}))
    tracker.update(ActionExecuted("action_listen"))
    asyncio.run(store.save(tracker))
os.kill(os.getpid(), signal.SIGKILL)  # the connection still open, nothing closed
"""


def test_every_saved_turn_survives_a_kill_9(tmp_path, domain):
    import signal
    import subprocess
    import sys

    db = tmp_path / "tracker.db"
    process = subprocess.run(
        [sys.executable, "-c", KILLED_AFTER_SAVE, str(db)],
        cwd=paths.ROOT,
        capture_output=True,
        timeout=120,
    )
    assert process.returncode == -signal.SIGKILL, process.stderr.decode()[-2000:]
    tracker = run(SQLTrackerStore(domain, dialect="sqlite", db=str(db)).retrieve("patient"))
    texts = [e.text for e in tracker.events if isinstance(e, UserUttered)]
    assert texts == [f"question {n}" for n in range(20)]
