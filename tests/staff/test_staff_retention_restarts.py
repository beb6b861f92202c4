"""`python -m staff retention` killed with SIGKILL midway, then run again: every
old conversation goes from Rasa's events, the trouble log and the workspace's
database, the recent ones stay, and no review-log row is left pointing at a
deleted event. Real processes on real files; the times are reckoned back from
the moment the test runs, as the command reckons its limit."""

from __future__ import annotations

import contextlib
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot import paths
from bot.servers.trouble_log import TABLE as TROUBLE
from bot.servers.trouble_log import TroubleLog
from staff.review import retention
from tests.killed import run_killed
from tests.staff.tracker_events import Tracker

DAY = 86400
OLD = ("old-1", "old-2", "old-3")
RECENT = "recent"
# Run in the workspace's process: the review log follows the events, and each
# conversation gets a nurse's note.
FOLLOW_AND_NOTE = """
import django
django.setup()
from bot import settings
from staff.review.follower import Follower
from staff.review.models import Conversation, Note
Follower(settings.path("HAIP_TRACKER_DB")).catch_up()
for conversation in Conversation.objects.all():
    Note.objects.create(conversation=conversation, text="called back")
"""


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, *args], env=env, cwd=paths.ROOT,
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    return done


@pytest.fixture(scope="module")
def migrated(tmp_path_factory) -> Path:
    """A migrated workspace database with its key, copied for each test."""
    folder = tmp_path_factory.mktemp("migrated")
    run(
        ["-m", "staff", "migrate"],
        {"HAIP_STAFF_DB": str(folder / "staff.db"), "PATH": "/usr/bin:/bin"},
    )
    return folder


def rows(db: Path, query: str) -> list[tuple]:
    with contextlib.closing(sqlite3.connect(db)) as opened:
        return opened.execute(query).fetchall()


@pytest.fixture
def clinic(tmp_path, migrated) -> dict[str, str]:
    """Three conversations older than the limit and a recent one (which also
    holds the newest event), each with a trouble record, followed into the
    review log; the commands' environment."""
    for name in ("staff.db", "staff-secret.key"):
        shutil.copy(migrated / name, tmp_path / name)
    env = {
        "HAIP_STAFF_DB": str(tmp_path / "staff.db"),
        "HAIP_TRACKER_DB": str(tmp_path / "tracker.db"),
        "DJANGO_SETTINGS_MODULE": "staff.settings",
        "PATH": "/usr/bin:/bin",
    }
    tracker = Tracker(tmp_path / "tracker.db")
    tracker.clock = time.time() - (retention.retention_days() + 30) * DAY
    trouble = TroubleLog(tmp_path / "trouble.db")
    for sender in (*OLD, RECENT):
        if sender == RECENT:
            tracker.clock = time.time() - DAY
        tracker.turn(sender, f"question of {sender}", "action_answer_faq", f"answer to {sender}")
        trouble.record(sender, f"message-of-{sender}")
        with contextlib.closing(sqlite3.connect(trouble.db)) as opened, opened:
            opened.execute(
                f"UPDATE {TROUBLE} SET timestamp = ? WHERE sender_id = ?", (tracker.clock, sender)
            )
    run(["-c", FOLLOW_AND_NOTE], env)
    assert len(rows(tmp_path / "staff.db", "SELECT * FROM review_conversation")) == 4
    return env


def state(env: dict[str, str]) -> dict[str, object]:
    staff = Path(env["HAIP_STAFF_DB"])
    tracker = Path(env["HAIP_TRACKER_DB"])
    events = {event_id for (event_id,) in rows(tracker, "SELECT id FROM events")}
    logged = rows(staff, "SELECT event_id, conversation, text FROM review_message")
    return {
        "tracker": {s for (s,) in rows(tracker, "SELECT DISTINCT sender_id FROM events")},
        "trouble": {
            s for (s,) in rows(tracker.with_name("trouble.db"), f"SELECT sender_id FROM {TROUBLE}")
        },
        "logged": sorted({text for _, _, text in logged}),
        "conversations": len(rows(staff, "SELECT * FROM review_conversation")),
        "notes": len(rows(staff, "SELECT * FROM review_note")),
        "pending": len(rows(staff, "SELECT * FROM review_pendingtrouble")),
        # Review-log rows of Rasa's events that are gone (negative ids have none).
        "dangling": [
            event_id for event_id, _, _ in logged if event_id > 0 and event_id not in events
        ],
        "indexed": rows(
            staff, "SELECT count(*) FROM review_message_fts WHERE review_message_fts MATCH 'old'"
        ),
    }


KEPT = {
    "tracker": {RECENT},
    "trouble": {RECENT},
    # With the trouble record of a message Rasa never saved, logged as such ("").
    "logged": ["", "answer to recent", "question of recent"],
    "conversations": 1,
    "notes": 1,
    "pending": 0,
    "dangling": [],
    "indexed": [(0,)],
}


@pytest.mark.parametrize(
    "at, nth",
    [
        # Rasa's events: one conversation deleted, the transaction still open.
        ("DELETE FROM events WHERE sender_id", 2),
        # Rasa's events deleted and committed; the trouble log next.
        (f"DELETE FROM {TROUBLE}", 1),
        # The workspace's rows: one conversation's messages gone, the rest to go.
        ('DELETE FROM "review_message"', 2),
    ],
)
def test_retention_killed_midway_finishes_on_the_next_run(clinic, at, nth):
    run_killed(["retention"], clinic, at, nth)
    assert state(clinic) != KEPT  # killed before the end

    again = run(["-m", "staff", "retention"], clinic).stdout
    assert state(clinic) == KEPT, again
    # Nothing is left to delete, and nothing recent goes.
    last = run(["-m", "staff", "retention"], clinic).stdout
    assert "deleted 0 conversations (0 tracker events, 0 review-log rows)" in last
    assert state(clinic) == KEPT
