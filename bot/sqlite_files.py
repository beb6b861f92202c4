"""Opening a SQLite file that several processes share (the reminders, the
trainings, the trouble log) in write-ahead mode, and bringing its schema up to
date with sqlite-utils migrations.

Switching a file to write-ahead mode takes a lock of its own, and SQLite can
answer "database is locked" at once, without waiting, when another process
holds the file at that moment (the bench's scale-out start saw it once, with two
Rasa servers starting together). The switch is therefore tried again for up to
SWITCH_WAIT_S. After it, a statement waits up to STATEMENT_WAIT_S for a lock, as
before: a patient's reply should not hang on a locked file (the callers answer
politely instead).
"""

from __future__ import annotations

import contextlib
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import sqlite_utils
from sqlite_utils.migrations import Migrations

SWITCH_WAIT_S = 30.0
STATEMENT_WAIT_S = 5.0
# A reader of another process's file (opened_once_made) waits this long for a
# writer's lock, then gives up with "database is locked" and tries again later.
READ_WAIT_S = 10.0


def connect_shared(path: Path, switch_wait_s: float = SWITCH_WAIT_S) -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True)
    # check_same_thread=False: the stores are made on one thread and used on another.
    connection = sqlite3.connect(path, timeout=STATEMENT_WAIT_S, check_same_thread=False)
    deadline = time.monotonic() + switch_wait_s
    while True:
        try:
            connection.execute("PRAGMA journal_mode=WAL")
            return connection
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                connection.close()
                raise
            time.sleep(0.05)


def migrate(db: sqlite_utils.Database, migrations: Migrations) -> None:
    """Apply the pending migrations of one of our files, one process at a time.

    Processes starting together (the action server, the scheduler, several Rasa
    servers) would otherwise each find a migration pending and both run it;
    BEGIN IMMEDIATE makes the others wait (STATEMENT_WAIT_S) and then find
    nothing left to do. Each migration runs in a savepoint inside it."""
    if not migrations.pending(db):
        return
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        migrations.apply(db)
    except BaseException:
        db.conn.rollback()
        raise
    db.conn.commit()


@contextlib.contextmanager
def opened_once_made(path: Path, read_only: bool = True) -> Iterator[sqlite3.Connection | None]:
    """A connection to a SQLite file another process makes, or None until it
    exists. A query on a table that process has not made yet ends the block as
    if it read nothing; any other error is raised."""
    if not path.exists():
        yield None
        return
    target = f"{path.absolute().as_uri()}{'?mode=ro' if read_only else ''}"
    with contextlib.closing(sqlite3.connect(target, uri=True, timeout=READ_WAIT_S)) as connection:
        try:
            yield connection
        except sqlite3.OperationalError as exc:
            if "no such table" not in str(exc):
                raise
