"""The scheduler's rules, with a real SQLite store; delivery is recorded here and
exercised against the real servers in test_integration.py."""

import datetime as dt

from bot.reminders import CANCELLED, MISSED, PENDING, SENT, ReminderStore
from bot.scheduler import ReminderScheduler

UTC = dt.timezone.utc
CLINIC = {
    "timezone": "America/New_York",
    "refill_interval_days": 14,
    "reminder_hour": 18,
    "reminder_days_before": 1,
}


def scheduler(tmp_path, fail=False):
    delivered = []

    def deliver(reminder):
        if fail:
            raise ConnectionError("Rasa is down")
        delivered.append(reminder)

    store = ReminderStore(tmp_path / "r.db")
    return store, ReminderScheduler(store, lambda: CLINIC, deliver), delivered


def test_a_due_reminder_is_delivered_once_and_the_next_cycle_is_set(tmp_path):
    store, clock, delivered = scheduler(tmp_path)
    reminder = store.set("p", dt.date(2026, 12, 3), dt.datetime(2026, 12, 2, 23, tzinfo=UTC))
    assert clock.tick(dt.datetime(2026, 12, 2, 22, tzinfo=UTC))["sent"] == 0
    assert clock.tick(dt.datetime(2026, 12, 2, 23, 0, 5, tzinfo=UTC))["sent"] == 1
    assert clock.tick(dt.datetime(2026, 12, 2, 23, 0, 10, tzinfo=UTC))["sent"] == 0
    assert [r.id for r in delivered] == [reminder.id]
    assert store.get(reminder.id).status == SENT
    following = store.current("p")
    assert following.refill_date == dt.date(2026, 12, 17)
    assert following.remind_at == dt.datetime(2026, 12, 16, 23, tzinfo=UTC)


def test_a_cancelled_reminder_never_fires(tmp_path):
    store, clock, delivered = scheduler(tmp_path)
    reminder = store.set("p", dt.date(2026, 12, 3), dt.datetime(2026, 12, 2, 23, tzinfo=UTC))
    store.cancel("p")
    clock.tick(dt.datetime(2026, 12, 3, 1, tzinfo=UTC))
    assert delivered == [] and store.get(reminder.id).status == CANCELLED


def test_due_while_down_delivered_if_the_refill_is_still_ahead(tmp_path):
    store, clock, delivered = scheduler(tmp_path)
    store.set("p", dt.date(2026, 12, 3), dt.datetime(2026, 12, 2, 23, tzinfo=UTC))
    # Servers back on the morning of the refill day (clinic time).
    assert clock.tick(dt.datetime(2026, 12, 3, 13, tzinfo=UTC))["sent"] == 1


def test_due_while_down_marked_missed_if_the_refill_has_passed(tmp_path):
    store, clock, delivered = scheduler(tmp_path)
    reminder = store.set("p", dt.date(2026, 12, 3), dt.datetime(2026, 12, 2, 23, tzinfo=UTC))
    assert clock.tick(dt.datetime(2026, 12, 5, 13, tzinfo=UTC))["missed"] == 1
    assert delivered == [] and store.get(reminder.id).status == MISSED
    assert store.current("p").refill_date == dt.date(2026, 12, 17)


def test_a_failed_delivery_is_retried(tmp_path):
    store, clock, _ = scheduler(tmp_path, fail=True)
    reminder = store.set("p", dt.date(2026, 12, 3), dt.datetime(2026, 12, 2, 23, tzinfo=UTC))
    assert clock.tick(dt.datetime(2026, 12, 2, 23, 1, tzinfo=UTC))["failed"] == 1
    assert store.get(reminder.id).status == PENDING


def test_the_scheduler_thread_delivers(tmp_path):
    import time

    store, clock, delivered = scheduler(tmp_path)
    store.set("p", dt.date.today() + dt.timedelta(days=3), dt.datetime.now(UTC))
    clock.start(every_s=0.1)
    try:
        deadline = time.monotonic() + 10
        while not delivered and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        clock.stop()
    assert len(delivered) == 1
