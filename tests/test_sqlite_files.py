"""bot/sqlite_files.py: the switch to write-ahead mode waits out another
process's lock on the file instead of failing, and gives up in the end."""

import sqlite3
import threading
import time

import pytest

from bot import sqlite_files


def hold_exclusive(path) -> sqlite3.Connection:
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("CREATE TABLE IF NOT EXISTS t (x)")
    other.execute("BEGIN EXCLUSIVE")
    return other


def test_the_switch_waits_for_another_connections_lock(tmp_path, monkeypatch):
    # Each try gives up on the lock after 50 ms: only trying again gets through.
    monkeypatch.setattr(sqlite_files, "STATEMENT_WAIT_S", 0.05)
    path = tmp_path / "shared.db"
    other = hold_exclusive(path)
    threading.Timer(0.5, lambda: other.execute("COMMIT")).start()
    started = time.monotonic()
    connection = sqlite_files.connect_shared(path)
    assert time.monotonic() - started >= 0.4
    assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    connection.close()
    other.close()


def test_a_lock_that_stays_is_an_error_not_a_hang(tmp_path, monkeypatch):
    monkeypatch.setattr(sqlite_files, "STATEMENT_WAIT_S", 0.05)
    path = tmp_path / "shared.db"
    other = hold_exclusive(path)
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        sqlite_files.connect_shared(path, switch_wait_s=0.3)
    other.close()


def test_processes_starting_together_migrate_once(tmp_path):
    from sqlite_utils import Database
    from sqlite_utils.migrations import Migrations

    runs = []
    migrations = Migrations("test")

    @migrations()
    def m001_slow(db):
        runs.append(1)
        time.sleep(0.3)  # long enough for the other to find it pending
        db["t"].create({"id": int}, pk="id")

    path = tmp_path / "shared.db"
    errors = []

    def start():
        try:
            sqlite_files.migrate(Database(sqlite_files.connect_shared(path)), migrations)
        except Exception as exc:  # noqa: BLE001 - the test reports it
            errors.append(exc)

    both = [threading.Thread(target=start) for _ in range(2)]
    for thread in both:
        thread.start()
    for thread in both:
        thread.join()
    assert errors == [] and runs == [1]
    assert [m.name for m in migrations.applied(Database(path))] == ["m001_slow"]
