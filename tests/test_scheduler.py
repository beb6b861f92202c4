"""The scheduler's rules, with a real SQLite store and a stand-in for the
conversations (the real Rasa path is exercised in test_integration.py: hours-old
conversations, kill -9 between claim and delivery)."""

import datetime as dt
import time

from bot.rasa_api import RasaAPIError, RasaUnreachable
from bot.reminders import external
from bot.reminders.scheduler import ReminderScheduler, RetryPolicy
from bot.reminders.store import CANCELLED, FAILED, MISSED, PENDING, SENT, ReminderStore

UTC = dt.timezone.utc
CLINIC = {
    "timezone": "America/New_York",
    "refill_interval_days": 14,
    "reminder_hour": 18,
    "reminder_days_before": 1,
}


class Conversations:
    """Rasa as the scheduler sees it: trigger_reminder records the external
    event and, like action_refill_reminder, answers it unless it already was.
    `fail` chooses how the next triggers go wrong."""

    def __init__(self):
        self.log: dict[str, list[dict]] = {}
        self.down = False  # nothing listens
        # How the next triggers go wrong: "error" (HTTP 500), "silent" (no
        # message), "lost" (ran, the reply was lost).
        self.fail: list[str] = []

    def events(self, sender_id):
        if self.down:
            raise RasaUnreachable("GET /conversations/…/tracker: ConnectionError")
        return list(self.log.get(sender_id, []))

    def trigger_reminder(self, sender_id, reminder_id):
        if self.down:
            raise RasaUnreachable("POST /conversations/…/trigger_intent: ConnectionError")
        mode = self.fail.pop(0) if self.fail else "ok"
        if mode == "error":
            raise RasaAPIError("POST /conversations/…/trigger_intent: HTTP 500")
        events = self.log.setdefault(sender_id, [])
        answered = external.delivered_in(events, reminder_id)
        events.append(
            {
                "event": "user",
                "text": "EXTERNAL: EXTERNAL_refill_due",
                "parse_data": {
                    "intent": {"name": external.INTENT},
                    "entities": [{"entity": "reminder_id", "value": reminder_id}],
                },
            }
        )
        if mode != "silent" and not answered:
            events.append({"event": "bot", "text": f"Reminder {reminder_id}"})
        if mode == "lost":
            raise TimeoutError("read timed out")
        return list(events)

    def messages(self, sender_id):
        return [e["text"] for e in self.log.get(sender_id, []) if e["event"] == "bot"]


QUICK_RETRY = RetryPolicy(first_s=60, max_s=600, max_attempts=3)


def scheduler(tmp_path, retry=QUICK_RETRY):
    store = ReminderStore(tmp_path / "r.db")
    conversations = Conversations()
    return store, ReminderScheduler(store, lambda: CLINIC, conversations, retry), conversations


def at(*args):
    return dt.datetime(*args, tzinfo=UTC)


def test_a_due_reminder_is_delivered_once_and_the_next_cycle_is_set(tmp_path):
    store, clock, rasa = scheduler(tmp_path)
    reminder = store.set("p", dt.date(2026, 12, 3), at(2026, 12, 2, 23))
    assert clock.tick(at(2026, 12, 2, 22))["sent"] == 0
    assert clock.tick(at(2026, 12, 2, 23, 0, 5))["sent"] == 1
    assert clock.tick(at(2026, 12, 2, 23, 0, 10))["sent"] == 0
    assert rasa.messages("p") == [f"Reminder {reminder.id}"]
    assert store.get(reminder.id).status == SENT
    following = store.current("p")
    assert following.refill_date == dt.date(2026, 12, 17)
    assert following.remind_at == at(2026, 12, 16, 23)


def test_a_cancelled_reminder_never_fires(tmp_path):
    store, clock, rasa = scheduler(tmp_path)
    reminder = store.set("p", dt.date(2026, 12, 3), at(2026, 12, 2, 23))
    store.cancel("p")
    clock.tick(at(2026, 12, 3, 1))
    assert rasa.messages("p") == [] and store.get(reminder.id).status == CANCELLED


def test_due_while_down_delivered_if_the_refill_is_still_ahead(tmp_path):
    store, clock, _ = scheduler(tmp_path)
    store.set("p", dt.date(2026, 12, 3), at(2026, 12, 2, 23))
    # Servers back on the morning of the refill day (clinic time).
    assert clock.tick(at(2026, 12, 3, 13))["sent"] == 1


def test_due_while_down_marked_missed_if_the_refill_has_passed(tmp_path):
    store, clock, rasa = scheduler(tmp_path)
    reminder = store.set("p", dt.date(2026, 12, 3), at(2026, 12, 2, 23))
    assert clock.tick(at(2026, 12, 5, 13))["missed"] == 1
    assert rasa.messages("p") == [] and store.get(reminder.id).status == MISSED
    assert store.current("p").refill_date == dt.date(2026, 12, 17)


def test_a_failed_delivery_is_retried_with_back_off_then_failed_for_staff(tmp_path):
    store, clock, rasa = scheduler(tmp_path)
    reminder = store.set("p", dt.date(2026, 12, 3), at(2026, 12, 2, 23))
    rasa.fail = ["error", "silent", "error"]
    assert clock.tick(at(2026, 12, 2, 23))["retry"] == 1
    assert store.get(reminder.id).status == PENDING
    assert clock.tick(at(2026, 12, 2, 23, 0, 59))["retry"] == 0  # waits 60 s
    assert clock.tick(at(2026, 12, 2, 23, 1))["retry"] == 1
    assert clock.tick(at(2026, 12, 2, 23, 2, 59))["retry"] == 0  # then 120 s
    assert clock.tick(at(2026, 12, 2, 23, 3))["failed"] == 1
    assert store.get(reminder.id).status == FAILED
    assert [a["outcome"] for a in store.attempts(reminder.id)] == ["error"] * 3
    assert store.attempts(reminder.id)[0]["error"].startswith("RasaAPIError: POST")
    # The chain goes on: the next cycle is set.
    assert store.current("p").refill_date == dt.date(2026, 12, 17)


def test_while_rasa_is_down_reminders_wait_without_spending_their_retries(tmp_path):
    store, clock, rasa = scheduler(tmp_path)
    first = store.set("p", dt.date(2026, 12, 3), at(2026, 12, 2, 23))
    second = store.set("q", dt.date(2026, 12, 3), at(2026, 12, 2, 23))
    rasa.down = True
    moment = at(2026, 12, 2, 23)
    for _ in range(20):  # far more than max_attempts (3)
        counts = clock.tick(moment)
        assert counts["failed"] == 0
        moment += dt.timedelta(seconds=QUICK_RETRY.outage_s)
    # One try per outage interval, for the first due reminder only: no storm.
    assert [a["outcome"] for a in store.attempts(first.id)] == ["unreachable"] * 20
    assert store.attempts(second.id) == []
    # Rasa is back: both go out at the next tick, none failed.
    rasa.down = False
    assert clock.tick(moment)["sent"] == 2
    assert rasa.messages("p") == [f"Reminder {first.id}"]
    assert rasa.messages("q") == [f"Reminder {second.id}"]


def test_a_reply_lost_after_rasa_sent_the_message_is_not_sent_twice(tmp_path):
    store, clock, rasa = scheduler(tmp_path)
    reminder = store.set("p", dt.date(2026, 12, 3), at(2026, 12, 2, 23))
    rasa.fail = ["lost"]
    assert clock.tick(at(2026, 12, 2, 23))["retry"] == 1
    assert clock.tick(at(2026, 12, 2, 23, 1))["sent"] == 1
    assert rasa.messages("p") == [f"Reminder {reminder.id}"]
    assert store.get(reminder.id).status == SENT


def test_a_claim_interrupted_by_a_crash_is_delivered_once_after_restart(tmp_path):
    store, clock, rasa = scheduler(tmp_path)
    reminder = store.set("p", dt.date.today() + dt.timedelta(days=3), dt.datetime.now(UTC))
    store.claim(reminder.id)  # the process died here, before triggering
    restarted, _, _ = scheduler(tmp_path)
    clock = ReminderScheduler(restarted, lambda: CLINIC, rasa, RetryPolicy.from_env())
    clock.start(every_s=0.1)
    try:
        deadline = time.monotonic() + 10
        while restarted.get(reminder.id).status != SENT and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        clock.stop()
    assert restarted.get(reminder.id).status == SENT
    assert rasa.messages("p") == [f"Reminder {reminder.id}"]
    assert [a["outcome"] for a in restarted.attempts(reminder.id)] == [
        "interrupted",
        "delivered",
    ]


def test_one_scheduler_per_store(tmp_path):
    import fcntl

    store, clock, _ = scheduler(tmp_path)
    clock.start(every_s=0.1)
    try:
        time.sleep(0.3)
        with open(f"{store.path}.scheduler-lock", "w") as other:
            try:
                fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
                held = False
            except BlockingIOError:
                held = True
    finally:
        clock.stop()
    assert held
