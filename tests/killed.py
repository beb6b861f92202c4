"""A command of ours run in a real process that gets SIGKILL at a chosen moment:
as a chosen SQLite statement starts, on any connection it opens (Django's or
our own sqlite3 ones), with that statement's transaction still open. SQLite
passes each statement with its values filled in, so a moment can be as precise
as one migration's record or one conversation's delete."""

from __future__ import annotations

import signal
import subprocess
import sys

from bot import paths

# Runs `python -m MODULE ARGS...` after wrapping sqlite3.connect; argv: the
# statement's text to wait for, which time it is seen, the module, its arguments.
_KILL_AT = """
import os, runpy, signal, sqlite3, sys

fragment, nth, module = sys.argv[1], int(sys.argv[2]), sys.argv[3]
seen = 0


def trace(statement):
    global seen
    if fragment in statement:
        seen += 1
        if seen == nth:
            os.kill(os.getpid(), signal.SIGKILL)


connect = sqlite3.connect


def traced(*args, **kwargs):
    connection = connect(*args, **kwargs)
    connection.set_trace_callback(trace)
    return connection


sqlite3.connect = sqlite3.dbapi2.connect = traced
sys.argv = [module, *sys.argv[4:]]
runpy.run_module(module, run_name="__main__", alter_sys=True)
"""


def run_killed(
    args: list[str], env: dict[str, str], at: str, nth: int = 1, module: str = "staff"
) -> subprocess.CompletedProcess:
    """Runs `python -m module args` until the nth statement containing `at`
    starts, and fails the test if the process was not killed there."""
    done = subprocess.run(
        [sys.executable, "-c", _KILL_AT, at, str(nth), module, *args],
        env=env, cwd=paths.ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == -signal.SIGKILL, (
        f"not killed at {at!r} (exit {done.returncode}): {done.stderr[-2000:]}"
    )
    return done
