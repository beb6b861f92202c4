"""The staff's reminder list, run as staff run it."""

import datetime as dt
import subprocess
import sys

from bot import paths
from bot.reminders.store import NextReminder, ReminderStore


def test_failed_reminders_show_in_the_staff_list(tmp_path):
    store = ReminderStore(tmp_path / "r.db")
    now = dt.datetime.now(dt.timezone.utc)
    ahead = dt.date.today() + dt.timedelta(days=5)
    failed = store.set("failed-patient", ahead, now)
    store.claim(failed.id)
    store.attempt_failed(failed, 1, "RasaAPIError: HTTP 500", None, None)
    store.set("waiting-patient", ahead + dt.timedelta(days=1), now + dt.timedelta(days=3))
    sent = store.set("sent-patient", ahead, now)
    store.claim(sent.id)
    store.delivered(sent, 1, NextReminder(ahead + dt.timedelta(days=14), now))

    result = subprocess.run(
        [sys.executable, "-m", "bot", "reminders", "--db", str(tmp_path / "r.db")],
        cwd=paths.ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    lines = result.stdout.splitlines()
    assert any(
        "FAILED" in line and "failed-patient" in line and "1 attempts" in line for line in lines
    )
    assert any("pending" in line and "waiting-patient" in line for line in lines)
    # The sent one is done; its next cycle is listed instead.
    assert not any("sent" in line.split("conversation")[0] for line in lines)
    assert sum("sent-patient" in line for line in lines) == 1
