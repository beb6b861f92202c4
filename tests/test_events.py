"""Rasa's events as our processes read and delete them (bot/events): the SQLite
implementation on a tracker file as Rasa 3.6 writes it, also while Rasa writes.
The PostgreSQL one runs in tests/test_events_postgres.py and tests/test_scale_out.py."""

import sqlite3

import pytest

from bot import sqlite_files
from bot.events import for_tracker
from bot.events import sqlite as sqlite_events
from bot.events.source import Busy, text_of
from bot.events.sqlite import SQLiteEvents
from tests.staff.tracker_events import Tracker

DAY = 86400


def test_no_file_or_no_table_yet_reads_as_nothing(tmp_path):
    for events in (SQLiteEvents(tmp_path / "missing.db"), SQLiteEvents(tmp_path / "empty.db")):
        (tmp_path / "empty.db").touch()
        assert events.after(0, 10) == [] and events.texts([1]) == {}
        assert events.forget_older_than(1e12).senders == []
    assert not (tmp_path / "missing.db").exists()


def test_events_after_a_position_their_texts_and_retention(tmp_path):
    tracker = Tracker(tmp_path / "tracker.db")
    first = tracker.user("old", "how long is the hospital stay")
    tracker.bot("old", "About 3 days.")
    tracker.clock += 200 * DAY
    newest = tracker.user("new", "what is the pump")
    events = for_tracker(tracker.path, env={})
    assert isinstance(events, SQLiteEvents) and not events.out_of_order
    rows = events.after(0, 10)
    assert [(r[1], r[2]) for r in rows] == [("old", "user"), ("old", "bot"), ("new", "user")]
    assert [r[0] for r in events.after(first, 1)] == [2]
    assert events.texts([first, newest, 99]) == {first: "how long is the hospital stay",
                                                newest: "what is the pump"}  # fmt: skip

    forgotten = events.forget_older_than(tracker.clock - 180 * DAY)
    assert (forgotten.senders, forgotten.events) == (["old"], 2)
    assert [r[1] for r in events.after(0, 10)] == ["new"]
    # The conversation holding the newest event stays, however old: SQLite would
    # hand its id out again and a reader's position would skip new events.
    assert events.forget_older_than(tracker.clock + 1000 * DAY).senders == []


def test_a_patient_who_writes_as_retention_deletes_keeps_the_conversation(tmp_path, monkeypatch):
    tracker = Tracker(tmp_path / "tracker.db")
    tracker.user("old-1", "first question")
    tracker.user("old-2", "second question")
    tracker.clock += 200 * DAY
    tracker.user("new", "what is the pump")
    cutoff = tracker.clock - 180 * DAY
    connect = sqlite3.connect

    def traced(*args, **kwargs):
        """Old-1's patient writes again as retention's first delete starts."""
        connection = connect(*args, **kwargs)
        written = []

        def trace(statement: str) -> None:
            if statement.startswith("DELETE FROM events") and not written:
                written.append(tracker.user("old-1", "I am back"))

        connection.set_trace_callback(trace)
        return connection

    monkeypatch.setattr(sqlite3, "connect", traced)
    forgotten = SQLiteEvents(tracker.path).forget_older_than(cutoff)
    monkeypatch.undo()

    assert (forgotten.senders, forgotten.events) == (["old-2"], 1)
    assert [(r[1], text_of(r[5])) for r in SQLiteEvents(tracker.path).after(0, 10)] == [
        ("old-1", "first question"), ("new", "what is the pump"), ("old-1", "I am back")
    ]  # fmt: skip


@pytest.mark.parametrize("wal", [True, False])
def test_a_writer_holding_the_file_makes_reading_and_deleting_busy_never_wrong(
    tmp_path, monkeypatch, wal
):
    """Rasa keeps its file in write-ahead mode: a reader goes on beside its open
    write transaction (and sees none of it), retention waits for it. In the
    older rollback mode an exclusive lock stops readers too. Either way a
    try that waited too long says Busy, and nothing is read twice or lost."""
    monkeypatch.setattr(sqlite_files, "READ_WAIT_S", 0.2)
    monkeypatch.setattr(sqlite_events, "DELETE_WAIT_S", 0.2)
    tracker = Tracker(tmp_path / "tracker.db", wal=wal)
    tracker.user("old", "how long is the hospital stay")
    tracker.clock += 200 * DAY
    tracker.user("new", "what is the pump")
    events = SQLiteEvents(tracker.path)
    cutoff = tracker.clock - 180 * DAY

    with tracker.writing("late", "written under a lock", "IMMEDIATE" if wal else "EXCLUSIVE"):
        if wal:
            assert [r[1] for r in events.after(0, 10)] == ["old", "new"]
        else:
            with pytest.raises(Busy, match="locked"):
                events.after(0, 10)
            with pytest.raises(Busy):
                events.texts([1])
        with pytest.raises(Busy, match="locked"):
            events.forget_older_than(cutoff)

    assert [r[1] for r in events.after(0, 10)] == ["old", "new", "late"]
    assert events.forget_older_than(cutoff).senders == ["old"]
    assert [r[1] for r in events.after(0, 10)] == ["new", "late"]
