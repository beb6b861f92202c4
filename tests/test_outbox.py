"""Reminders by e-mail and text message: the sends outbox and the scheduler's
delivery of it, with real SQLite files and in-process stand-ins for the
providers (bot/outreach's SMTP and SMS senders are tested on their own)."""

import datetime as dt
import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from bot.reminders import contacts, outbox, staff_view
from bot.reminders.scheduler import ReminderScheduler, RetryPolicy
from bot.reminders.store import SENT, ReminderStore
from tests.test_scheduler import CLINIC, QUICK_RETRY, Conversations

UTC = dt.timezone.utc
ROOT = Path(__file__).resolve().parent.parent


def at(*args):
    return dt.datetime(*args, tzinfo=UTC)


# Noon in New York on the day before a refill: outside quiet hours.
NOON = at(2026, 12, 2, 17)
REFILL = dt.date(2026, 12, 3)


# The exception names of bot/outreach; the scheduler tells them apart by name.
class SendFailed(Exception):
    pass


class TemporaryFailure(SendFailed):
    pass


class PermanentFailure(SendFailed):
    pass


class Unsubscribed(PermanentFailure):
    pass


class Sender:
    """A provider in memory: `log` is what reached the patient; `fail` the
    exceptions the next sends raise. A text message provider can tell whether
    a send went (already_sent); an SMTP server cannot."""

    def __init__(self, kind):
        self.kind = kind
        self.log: list[tuple[str, int, str]] = []
        self.fail: list[Exception] = []
        self.checked: list[int] = []

    def send(self, contact, reminder, send):
        if self.fail:
            raise self.fail.pop(0)
        self.log.append((contact.address, reminder.id, send.message_id))
        return f"{self.kind}-{len(self.log)}"

    def already_sent(self, contact, send):
        self.checked.append(send.id)
        if self.kind != contacts.SMS:
            return False
        return any(message_id == send.message_id for _, _, message_id in self.log)


def confirmed(store, sender_id, kind, address):
    contacts.offer(store, sender_id, None, kind, address, "123456", NOON - dt.timedelta(days=1))
    result = contacts.confirm(store, sender_id, "123456", NOON - dt.timedelta(days=1))
    assert result is contacts.ConfirmResult.CONFIRMED
    return contacts.active(store, sender_id)[-1]


def setup(tmp_path, retry=QUICK_RETRY, clinic=CLINIC, kinds=("email", "sms")):
    store = ReminderStore(tmp_path / "r.db")
    senders = {kind: Sender(kind) for kind in kinds}
    rasa = Conversations()
    clock = ReminderScheduler(store, lambda: clinic, rasa, retry, senders)
    return store, clock, senders, rasa


def sends(store, reminder_id):
    return outbox._rows(store, "reminder_id = ?", [reminder_id])


def test_only_what_is_needed_is_stored(tmp_path):
    store = ReminderStore(tmp_path / "r.db")
    assert set(store.db["sends"].columns_dict) == {
        "id",
        "reminder_id",
        "contact_id",
        "kind",
        "status",
        "attempts",
        "retry_at",
        "last_error",
        "message_id",
        "provider_id",
        "created_at",
        "sent_at",
        "updated_at",
    }


def test_each_confirmed_contact_gets_the_reminder_once(tmp_path):
    store, clock, senders, rasa = setup(tmp_path)
    confirmed(store, "p", "email", "jane@example.org")
    confirmed(store, "p", "sms", "+12025550143")
    contacts.offer(store, "p", None, "email", "other@example.org", "999999", NOON)  # unconfirmed
    confirmed(store, "q", "sms", "+12025550100")  # another patient
    reminder = store.set("p", REFILL, NOON)
    counts = clock.tick(NOON)
    assert counts["sent"] == 1 and counts["channel_sent"] == 2
    assert clock.tick(NOON + dt.timedelta(seconds=5))["channel_sent"] == 0
    assert outbox.queue(store, reminder, NOON) == 0  # queued again: nothing new
    assert [a for a, _, _ in senders["email"].log] == ["jane@example.org"]
    assert [a for a, _, _ in senders["sms"].log] == ["+12025550143"]
    assert [s.status for s in sends(store, reminder.id)] == [outbox.SENT] * 2
    assert {s.provider_id for s in sends(store, reminder.id)} == {"email-1", "sms-1"}
    assert rasa.messages("p") == [f"Reminder {reminder.id}"]  # the chat as before


def test_sends_go_out_while_rasa_is_down(tmp_path):
    store, clock, senders, rasa = setup(tmp_path)
    confirmed(store, "p", "sms", "+12025550143")
    store.set("p", REFILL, NOON)
    rasa.down = True
    counts = clock.tick(NOON)
    assert counts["retry"] == 1 and counts["channel_sent"] == 1
    assert len(senders["sms"].log) == 1


def test_a_missed_visit_gets_nothing(tmp_path):
    store, clock, senders, _ = setup(tmp_path)
    confirmed(store, "p", "email", "jane@example.org")
    reminder = store.set("p", REFILL, NOON)
    assert clock.tick(at(2026, 12, 5, 17))["missed"] == 1
    assert sends(store, reminder.id) == [] and senders["email"].log == []


def test_a_temporary_failure_is_retried_with_back_off_then_failed(tmp_path):
    store, clock, senders, _ = setup(tmp_path)
    confirmed(store, "p", "sms", "+12025550143")
    reminder = store.set("p", REFILL, NOON)
    senders["sms"].fail = [TemporaryFailure("HTTP 503")] * 3
    assert clock.tick(NOON)["channel_retry"] == 1
    assert clock.tick(NOON + dt.timedelta(seconds=59))["channel_retry"] == 0  # waits 60 s
    assert clock.tick(NOON + dt.timedelta(seconds=60))["channel_retry"] == 1
    assert clock.tick(NOON + dt.timedelta(seconds=179))["channel_retry"] == 0  # then 120 s
    assert clock.tick(NOON + dt.timedelta(seconds=180))["channel_failed"] == 1
    [send] = sends(store, reminder.id)
    assert send.status == outbox.FAILED and send.attempts == 3
    assert send.last_error == "TemporaryFailure: HTTP 503"
    # Before each retry the provider was asked whether the last attempt went.
    assert len(senders["sms"].checked) == 2
    assert senders["sms"].log == []


def test_a_retry_that_succeeds(tmp_path):
    store, clock, senders, _ = setup(tmp_path)
    confirmed(store, "p", "email", "jane@example.org")
    reminder = store.set("p", REFILL, NOON)
    senders["email"].fail = [TimeoutError("timed out")]
    assert clock.tick(NOON)["channel_retry"] == 1
    assert clock.tick(NOON + dt.timedelta(seconds=60))["channel_sent"] == 1
    [send] = sends(store, reminder.id)
    assert send.status == outbox.SENT and send.attempts == 2


def test_a_permanent_failure_fails_at_once(tmp_path):
    store, clock, senders, _ = setup(tmp_path)
    contact = confirmed(store, "p", "email", "jane@example.org")
    reminder = store.set("p", REFILL, NOON)
    senders["email"].fail = [PermanentFailure("550 no such user jane@example.org")]
    assert clock.tick(NOON)["channel_failed"] == 1
    [send] = sends(store, reminder.id)
    assert send.status == outbox.FAILED and send.attempts == 1
    # Neither the address nor any other is kept in the error.
    assert "jane" not in send.last_error and send.last_error.startswith("PermanentFailure")
    assert contacts.get(store, contact.id).active  # the contact is not stopped


def test_error_text_keeps_no_number(tmp_path):
    store, clock, senders, _ = setup(tmp_path)
    confirmed(store, "p", "sms", "+12025550143")
    reminder = store.set("p", REFILL, NOON)
    senders["sms"].fail = [TemporaryFailure("'To' +1 202 555 0143 and +12025550143 busy")]
    clock.tick(NOON)
    [send] = sends(store, reminder.id)
    assert not any(digits in send.last_error for digits in ("0143", "555"))


def test_unsubscribed_stops_the_contact(tmp_path):
    store, clock, senders, _ = setup(tmp_path)
    contact = confirmed(store, "p", "sms", "+12025550143")
    reminder = store.set("p", REFILL, NOON)
    senders["sms"].fail = [Unsubscribed("21610: the number replied STOP")]
    assert clock.tick(NOON)["channel_stopped"] == 1
    [send] = sends(store, reminder.id)
    assert send.status == outbox.STOPPED
    assert contacts.get(store, contact.id).stopped_at == NOON
    # The next cycle reaches the chat only.
    following = store.current("p")
    clock.tick(following.remind_at)
    assert store.get(following.id).status == SENT and sends(store, following.id) == []


def test_a_stop_withdraws_sends_not_yet_gone(tmp_path):
    store, clock, senders, _ = setup(tmp_path)
    confirmed(store, "p", "sms", "+12025550143")
    reminder = store.set("p", REFILL, at(2026, 12, 3, 4))  # 23:00 in New York
    assert clock.tick(at(2026, 12, 3, 4))["channel_held"] == 1
    contacts.stop(store, sender_id="p", kind="sms", now=at(2026, 12, 3, 5))
    assert clock.tick(at(2026, 12, 3, 13))["channel_sent"] == 0
    assert [s.status for s in sends(store, reminder.id)] == [outbox.STOPPED]
    assert senders["sms"].log == []


def test_the_next_cycle_reaches_the_confirmed_contact(tmp_path):
    store, clock, senders, _ = setup(tmp_path)
    confirmed(store, "p", "email", "jane@example.org")
    first = store.set("p", REFILL, NOON)
    clock.tick(NOON)
    following = store.current("p")  # set by store._set_next
    assert following.refill_date == dt.date(2026, 12, 17)
    assert clock.tick(following.remind_at)["channel_sent"] == 1
    assert [r for _, r, _ in senders["email"].log] == [first.id, following.id]


def test_a_kind_without_sender_waits_with_one_warning(tmp_path, caplog):
    store, clock, senders, _ = setup(tmp_path, kinds=("email",))
    confirmed(store, "p", "sms", "+12025550143")
    reminder = store.set("p", REFILL, NOON)
    with caplog.at_level(logging.WARNING):
        clock.tick(NOON)
        clock.tick(NOON + dt.timedelta(minutes=1))
    warnings = [r for r in caplog.records if "No sender for sms" in r.getMessage()]
    assert len(warnings) == 1
    [send] = sends(store, reminder.id)
    assert send.status == outbox.PENDING and send.attempts == 0
    # Nothing of the patient's in the log.
    assert "0143" not in caplog.text
    # A sender set up later delivers it.
    clock.senders["sms"] = Sender("sms")
    assert clock.tick(NOON + dt.timedelta(minutes=2))["channel_sent"] == 1


# -- quiet hours ------------------------------------------------------------------


def test_a_text_due_at_night_waits_for_morning_an_email_goes(tmp_path):
    store, clock, senders, _ = setup(tmp_path)
    confirmed(store, "p", "email", "jane@example.org")
    confirmed(store, "p", "sms", "+12025550143")
    late = at(2026, 12, 3, 4)  # 23:00 in New York
    reminder = store.set("p", REFILL, late)
    counts = clock.tick(late)
    assert counts["channel_sent"] == 1 and counts["channel_held"] == 1
    assert len(senders["email"].log) == 1 and senders["sms"].log == []
    sms = next(s for s in sends(store, reminder.id) if s.kind == "sms")
    assert sms.retry_at == at(2026, 12, 3, 13) and sms.attempts == 0  # 08:00, no attempt spent
    # Past midnight it still waits; at 08:00 it goes.
    assert clock.tick(at(2026, 12, 3, 6))["channel_sent"] == 0
    assert clock.tick(at(2026, 12, 3, 12, 59))["channel_sent"] == 0
    assert clock.tick(at(2026, 12, 3, 13))["channel_sent"] == 1
    sms = outbox.get(store, sms.id)
    assert sms.status == outbox.SENT and sms.attempts == 1


NY = {"timezone": "America/New_York"}


@pytest.mark.parametrize(
    ("now", "until"),
    [
        (at(2026, 12, 2, 17), None),  # 12:00
        (at(2026, 12, 3, 1, 59), None),  # 20:59
        (at(2026, 12, 3, 2), at(2026, 12, 3, 13)),  # 21:00 -> 08:00
        (at(2026, 12, 3, 6, 30), at(2026, 12, 3, 13)),  # 01:30, past midnight
        (at(2026, 12, 3, 13), None),  # 08:00 sharp
        # The clocks go back at 02:00 on 1 November: 08:00 is then 13:00 UTC,
        # ten hours after 23:00 EDT, not nine.
        (at(2026, 11, 1, 3), at(2026, 11, 1, 13)),
        # They go forward at 02:00 on 8 March: 03:30 EDT, quiet until 08:00 EDT.
        (at(2026, 3, 8, 7, 30), at(2026, 3, 8, 12)),
        (at(2026, 3, 8, 12), None),
    ],
)
def test_quiet_hours(now, until):
    assert outbox.quiet_until(now, NY) == until


def test_quiet_hours_from_the_clinic(tmp_path):
    clinic = dict(NY, quiet_hours_start="13:00", quiet_hours_end="14:30")
    assert outbox.quiet_until(at(2026, 12, 2, 18, 10), clinic) == at(2026, 12, 2, 19, 30)
    assert outbox.quiet_until(at(2026, 12, 2, 3), clinic) is None
    none = dict(NY, quiet_hours_start="00:00", quiet_hours_end="00:00")
    assert outbox.quiet_until(at(2026, 12, 3, 4), none) is None
    # Written without quotes in clinic.yml, 21:00 reaches us as 1260.
    unquoted = yaml.safe_load("quiet_hours_start: 21:00\nquiet_hours_end: 08:00\n")
    clinic = dict(NY, **unquoted)
    assert outbox.quiet_until(at(2026, 12, 3, 2), clinic) == at(2026, 12, 3, 13)
    assert outbox.quiet_until(at(2026, 12, 3, 1, 59), clinic) is None


def test_a_text_held_on_the_night_the_clocks_go_back(tmp_path):
    store, clock, senders, _ = setup(tmp_path)
    confirmed(store, "p", "sms", "+12025550143")
    late = at(2026, 11, 1, 3)  # 23:00 EDT on 31 October
    store.set("p", dt.date(2026, 11, 1), late)
    assert clock.tick(late)["channel_held"] == 1
    assert clock.tick(at(2026, 11, 1, 12))["channel_sent"] == 0  # 07:00 EST
    assert clock.tick(at(2026, 11, 1, 13))["channel_sent"] == 1  # 08:00 EST


# -- crashes ------------------------------------------------------------------------


@pytest.mark.parametrize("went", [True, False])
def test_an_interrupted_text_is_checked_and_sent_once(tmp_path, went):
    store, clock, senders, _ = setup(tmp_path)
    confirmed(store, "p", "sms", "+12025550143")
    reminder = store.set("p", REFILL, NOON)
    outbox.queue(store, reminder, NOON)
    [send] = sends(store, reminder.id)
    claimed = outbox.claim(store, send.id, NOON)  # the process died here...
    if went:  # ... after the provider took it, or before
        senders["sms"].log.append(("+12025550143", reminder.id, claimed.message_id))
    restarted = ReminderStore(tmp_path / "r.db")
    clock = ReminderScheduler(restarted, lambda: CLINIC, Conversations(), QUICK_RETRY, senders)
    clock.recover_interrupted()
    recovered = outbox.get(restarted, send.id)
    assert recovered.status == outbox.PENDING and recovered.last_error == outbox.INTERRUPTED
    assert clock.tick(NOON + dt.timedelta(seconds=1))["channel_sent"] == 1
    assert senders["sms"].checked == [send.id]
    assert len(senders["sms"].log) == 1
    assert outbox.get(restarted, send.id).status == outbox.SENT


def test_an_interrupted_email_is_sent_again_with_the_same_message_id(tmp_path):
    store, clock, senders, _ = setup(tmp_path)
    confirmed(store, "p", "email", "jane@example.org")
    reminder = store.set("p", REFILL, NOON)
    outbox.queue(store, reminder, NOON)
    [send] = sends(store, reminder.id)
    outbox.claim(store, send.id, NOON)
    clock.recover_interrupted()
    clock.tick(NOON + dt.timedelta(seconds=1))
    assert [m for _, _, m in senders["email"].log] == [send.message_id]


class FileSender:
    """A text message provider shared between processes: a line per message in
    `log`. With `block` it stops inside send, before or after the message
    went, and touches `started` so the test knows where it is."""

    kind = "sms"

    def __init__(self, folder, block=None):
        self.folder = Path(folder)
        self.block = block

    def _log(self):
        path = self.folder / "log"
        return path.read_text().splitlines() if path.exists() else []

    def send(self, contact, reminder, send):
        if self.block == "before":
            self._wait()
        with open(self.folder / "log", "a") as log:
            log.write(f"{send.message_id}\n")
        if self.block == "after":
            self._wait()
        return "SM1"

    def _wait(self):
        (self.folder / "started").touch()
        while not (self.folder / "never").exists():
            time.sleep(0.05)

    def already_sent(self, contact, send):
        return send.message_id in self._log()


def crash_child(db, folder, block):
    """Runs in a subprocess: a scheduler that gets stuck inside send."""
    store = ReminderStore(db)
    senders = {"sms": FileSender(folder, block)}
    ReminderScheduler(store, lambda: CLINIC, Conversations(), QUICK_RETRY, senders).tick(NOON)


@pytest.mark.parametrize("block", ["before", "after"])
def test_kill_9_inside_send_then_restart_delivers_exactly_once(tmp_path, block):
    store = ReminderStore(tmp_path / "r.db")
    confirmed(store, "p", "sms", "+12025550143")
    reminder = store.set("p", REFILL, NOON)
    code = "from tests.test_outbox import crash_child; import sys; crash_child(*sys.argv[1:])"
    child = subprocess.Popen(
        [sys.executable, "-c", code, str(tmp_path / "r.db"), str(tmp_path), block],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        deadline = time.monotonic() + 60
        while not (tmp_path / "started").exists():
            assert child.poll() is None, "the child ended before sending"
            assert time.monotonic() < deadline, "the child never reached send"
            time.sleep(0.05)
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
    [send] = sends(store, reminder.id)
    assert send.status == outbox.SENDING
    went = (tmp_path / "log").exists()
    assert went == (block == "after")

    restarted = ReminderStore(tmp_path / "r.db")
    sender = FileSender(tmp_path)
    clock = ReminderScheduler(
        restarted, lambda: CLINIC, Conversations(), RetryPolicy(first_s=60), {"sms": sender}
    )
    clock.recover_interrupted()
    assert clock.tick(NOON + dt.timedelta(seconds=30))["channel_sent"] == 1
    assert sender._log() == [send.message_id]  # exactly one message, either way
    after = outbox.get(restarted, send.id)
    assert after.status == outbox.SENT and after.attempts == 2


# -- the staff view -----------------------------------------------------------------


def test_staff_see_sends_with_masked_contacts(tmp_path):
    store, clock, senders, _ = setup(tmp_path)
    confirmed(store, "p", "email", "jane@example.org")
    confirmed(store, "p", "sms", "+12025550143")
    first = store.set("p", REFILL, NOON)
    other = store.set("q", REFILL, NOON)
    senders["sms"].fail = [PermanentFailure("21211: invalid number")]
    clock.tick(NOON)
    rows = outbox.for_reminder(store, first.id)
    assert [(r["kind"], r["contact"], r["status"]) for r in rows] == [
        ("email", "j•••@example.org", "sent"),
        ("sms", "+1 ••• ••• 0143", "failed"),
    ]
    assert rows[1]["last_error"].startswith("PermanentFailure")
    assert "jane@" not in repr(rows) and "2025550143" not in repr(rows)
    # The staff pages read the same sends through the store's staff view.
    listed = staff_view.sections(store.path)
    [failed] = listed["failed"]  # sent in the chat, the text failed
    assert failed.id == first.id
    assert [(c.kind, c.contact, c.status, c.last_error) for c in failed.channels] == [
        (r["kind"], r["contact"], r["status"], r["last_error"]) for r in rows
    ]
    assert other.id not in [r.id for section in listed.values() for r in section]
