"""Rasa's events as our processes read and delete them (bot/events): the SQLite
implementation on a tracker file as Rasa 3.6 writes it. The PostgreSQL one runs
in tests/test_scale_out.py."""

from bot.events import for_tracker
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
