"""The trouble log (bot/servers/trouble_log.py): its own SQLite file beside the
tracker file, read and deleted only through TroubleLog."""

import time

import sqlite_utils

from bot import settings
from bot.servers.trouble_log import MIGRATIONS, TroubleLog
from bot.settings import ScaleOut


def test_it_is_a_file_of_its_own_beside_the_tracker_unless_set(tmp_path, monkeypatch):
    monkeypatch.delenv("HAIP_TROUBLE_DB", raising=False)
    monkeypatch.setenv("HAIP_TRACKER_DB", str(tmp_path / "var" / "tracker.db"))
    assert settings.trouble_db() == tmp_path / "var" / "trouble.db"
    assert settings.trouble_db(tracker_db=tmp_path / "x" / "t.db") == tmp_path / "x" / "trouble.db"
    monkeypatch.setenv("HAIP_TROUBLE_DB", str(tmp_path / "elsewhere.db"))
    named = TroubleLog.from_settings(tracker_db=tmp_path / "x" / "t.db")
    assert named.db == tmp_path / "elsewhere.db"


def test_records_are_read_in_order_and_forgotten_by_conversation(tmp_path):
    log = TroubleLog(tmp_path / "trouble.db")
    assert log.after(0, 10) == []  # no file yet: nothing, and nothing made
    assert not log.db.exists() and log.forget(["a"]) == 0
    log.record("a", "m-1")
    log.record("b", "m-2")
    assert [(i, s, m) for i, s, m, _ in log.after(0, 10)] == [(1, "a", "m-1"), (2, "b", "m-2")]
    assert [row[0] for row in log.after(1, 10)] == [2]
    assert log.forget(["b"]) == 1
    # Never an id handed out twice: a reader's position past 2 still sees the next.
    log.record("c", "m-3")
    assert [row[0] for row in log.after(2, 10)] == [3]
    assert [m.name for m in MIGRATIONS.applied(sqlite_utils.Database(log.db))] == ["m001_table"]
    # Retention also takes every row older than its limit, whoever's.
    assert log.forget([], older_than=0.0) == 0
    assert log.forget([], older_than=time.time() + 1) == 2 and log.after(0, 10) == []
    assert not (tmp_path / "tracker.db").exists()


def test_a_record_that_cannot_be_written_is_logged_not_raised(tmp_path, caplog):
    (tmp_path / "trouble.db").mkdir()  # a folder where the file should be
    TroubleLog(tmp_path / "trouble.db").record("a", "m-1")
    assert "Could not record a trouble message (OperationalError)" in caplog.text


def test_its_position_is_kept_apart_from_the_old_table_in_the_tracker(tmp_path):
    """The old table's ids ran on in the tracker file and this file starts again
    at 1, so a reader keeps its position here under a new name; scaled out the
    table in PostgreSQL is the same one as before, and so is its name."""
    scale_out = ScaleOut("db.example", 5432, "haip", "haip", "haip_events", "redis.example", 6379)
    assert TroubleLog(tmp_path / "trouble.db").position_key == "trouble-log"
    assert TroubleLog(tmp_path / "trouble.db", scale_out).position_key == "trouble-messages"
    assert TroubleLog(tmp_path / "trouble.db", scale_out).out_of_order
