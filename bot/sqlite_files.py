"""Opening a SQLite file that several processes share (the reminders, the
trainings) in write-ahead mode.

Switching a file to write-ahead mode takes a lock of its own, and SQLite can
answer "database is locked" at once, without waiting, when another process
holds the file at that moment (the bench's scale-out start saw it once, with two
Rasa servers starting together). The switch is therefore tried again for up to
SWITCH_WAIT_S. After it, a statement waits up to STATEMENT_WAIT_S for a lock, as
before: a patient's reply should not hang on a locked file (the callers answer
politely instead).
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

SWITCH_WAIT_S = 30.0
STATEMENT_WAIT_S = 5.0


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
