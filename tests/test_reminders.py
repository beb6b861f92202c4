import datetime as dt

import icalendar

from bot.reminders import dates, ics
from bot.reminders.store import (
    CANCELLED,
    DELIVERING,
    FAILED,
    PENDING,
    SENT,
    NextReminder,
    ReminderStore,
)

UTC = dt.timezone.utc


def at(*args):
    return dt.datetime(*args, tzinfo=UTC)


def test_set_replaces_the_pending_reminder(tmp_path):
    store = ReminderStore(tmp_path / "r.db")
    first = store.set("patient-1", dt.date(2026, 12, 3), at(2026, 12, 2, 23))
    second = store.set("patient-1", dt.date(2026, 12, 10), at(2026, 12, 9, 23))
    assert store.get(first.id).status == CANCELLED
    assert store.current("patient-1") == second
    assert [r.id for r in store.pending()] == [second.id]


def test_cancel_and_mark(tmp_path):
    store = ReminderStore(tmp_path / "r.db")
    reminder = store.set("p", dt.date(2026, 12, 3), at(2026, 12, 2, 23))
    assert store.cancel("p") == 1
    assert store.current("p") is None
    # A cancelled reminder can never be claimed for delivery.
    assert store.claim(reminder.id) is None
    assert store.get(reminder.id).status == CANCELLED


def test_due_and_upcoming(tmp_path):
    store = ReminderStore(tmp_path / "r.db")
    soon = store.set("a", dt.date(2026, 12, 3), at(2026, 12, 2, 23))
    later = store.set("b", dt.date(2026, 12, 1), at(2026, 12, 20, 23))
    assert store.due(at(2026, 12, 2, 23)) == [soon]
    assert store.due(at(2026, 12, 2, 22)) == []
    assert [r.sender_id for r in store.upcoming(dt.date(2026, 11, 30))] == ["b", "a"]
    assert store.missed(later, None) and store.pending() == [soon]


def test_the_store_survives_reopening(tmp_path):
    ReminderStore(tmp_path / "r.db").set("p", dt.date(2026, 12, 3), at(2026, 12, 2, 23))
    assert ReminderStore(tmp_path / "r.db").current("p").status == PENDING


def test_only_what_is_needed_is_stored(tmp_path):
    store = ReminderStore(tmp_path / "r.db")
    columns = set(store.db["reminders"].columns_dict)
    assert columns == {
        "id",
        "sender_id",
        "refill_date",
        "remind_at",
        "status",
        "created_at",
        "updated_at",
        "attempts",
        "retry_at",
        "last_error",
        # en or es: the e-mails and texts are in the language of the conversation.
        "language",
    }
    assert set(store.db["deliveries"].columns_dict) == {
        "id",
        "reminder_id",
        "attempt",
        "outcome",
        "error",
        "started_at",
        "finished_at",
    }


def test_a_store_from_before_the_outbox_is_upgraded(tmp_path):
    import sqlite3

    old = sqlite3.connect(tmp_path / "r.db")
    old.execute(
        "CREATE TABLE reminders (id INTEGER PRIMARY KEY, sender_id TEXT NOT NULL, "
        "refill_date TEXT NOT NULL, remind_at TEXT NOT NULL, status TEXT NOT NULL, "
        "created_at TEXT, updated_at TEXT)"
    )
    old.execute(
        "INSERT INTO reminders VALUES (1, 'p', '2026-12-03', '2026-12-02T23:00:00+00:00', "
        "'pending', NULL, NULL)"
    )
    old.commit()
    old.close()
    store = ReminderStore(tmp_path / "r.db")
    assert store.claim(1) == 1
    assert store.get(1).status == DELIVERING


def test_claim_delivered_and_the_next_cycle_in_one_step(tmp_path):
    store = ReminderStore(tmp_path / "r.db")
    reminder = store.set("p", dt.date(2026, 12, 3), at(2026, 12, 2, 23))
    assert store.claim(reminder.id) == 1
    assert store.claim(reminder.id) is None  # never twice
    following = NextReminder(dt.date(2026, 12, 17), at(2026, 12, 16, 23))
    assert store.delivered(reminder, 1, following)
    assert store.get(reminder.id).status == SENT
    assert store.current("p").refill_date == dt.date(2026, 12, 17)
    assert [a["outcome"] for a in store.attempts(reminder.id)] == ["delivered"]
    assert not store.delivered(reminder, 1, following)  # once only
    assert len(store.pending()) == 1


def test_a_claim_left_by_a_dead_process_is_recovered(tmp_path):
    store = ReminderStore(tmp_path / "r.db")
    reminder = store.set("p", dt.date(2026, 12, 3), at(2026, 12, 2, 23))
    store.claim(reminder.id)
    reopened = ReminderStore(tmp_path / "r.db")
    assert reopened.recover_interrupted() == [reminder.id]
    assert reopened.due(at(2026, 12, 2, 23, 1)) == [reopened.get(reminder.id)]
    assert reopened.claim(reminder.id) == 2
    assert [a["outcome"] for a in reopened.attempts(reminder.id)] == ["interrupted", "started"]


def test_failed_attempts_wait_for_their_retry_then_fail_with_the_next_cycle_set(tmp_path):
    store = ReminderStore(tmp_path / "r.db")
    reminder = store.set("p", dt.date(2026, 12, 3), at(2026, 12, 2, 23))
    following = NextReminder(dt.date(2026, 12, 17), at(2026, 12, 16, 23))
    store.claim(reminder.id)
    store.attempt_failed(reminder, 1, "RasaAPIError: HTTP 500", at(2026, 12, 2, 23, 5), following)
    assert store.due(at(2026, 12, 2, 23, 4)) == []
    assert [r.id for r in store.due(at(2026, 12, 2, 23, 5))] == [reminder.id]
    assert store.current("p").id == reminder.id  # no next cycle while retrying
    store.claim(reminder.id)
    store.attempt_failed(reminder, 2, "RasaAPIError: HTTP 500", None, following)
    assert store.get(reminder.id).status == FAILED
    assert store.current("p").refill_date == dt.date(2026, 12, 17)
    assert [a["outcome"] for a in store.attempts(reminder.id)] == ["error", "error"]


def test_calendar_parses_back_with_a_real_icalendar_library():
    refills = dates.every(dt.date(2026, 12, 3), 14, 6)
    text = ics.refill_calendar(
        refills,
        "Pump refill at Lakeside Demo Cancer Center",
        "Bring your pump ID card; call (555) 555-0100 to reschedule.",
        "Pump refill tomorrow",
        alarm_hour=18,
        sender_id="secret-sender-id",
        now=at(2026, 11, 21, 12),
    )
    calendar = icalendar.Calendar.from_ical(text)
    events = [c for c in calendar.walk() if c.name == "VEVENT"]
    assert [e.decoded("dtstart") for e in events] == refills
    assert str(events[0]["summary"]) == "Pump refill at Lakeside Demo Cancer Center"
    assert "555-0100" in str(events[0]["description"])
    alarm = [c for c in events[0].walk() if c.name == "VALARM"][0]
    assert alarm.decoded("trigger") == -dt.timedelta(hours=6)
    assert str(alarm["description"]) == "Pump refill tomorrow"
    # Commas and semicolons are escaped, and read back as they were written.
    assert "\\;" in text and str(events[0]["description"]).startswith("Bring your pump ID card;")
    assert len({str(e["uid"]) for e in events}) == 6
    assert "secret-sender-id" not in text
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))


def test_a_reminder_keeps_its_conversation_s_language_into_the_next_cycle(tmp_path):
    import datetime as dt

    store = ReminderStore(tmp_path / "r.db")
    refill = dt.date(2026, 12, 3)
    reminder = store.set("s", refill, dt.datetime(2026, 12, 2, 23, tzinfo=dt.timezone.utc), "es")
    assert store.get(reminder.id).language == "es"
    # A store from before the column reads as English.
    store.db.execute("UPDATE reminders SET language = NULL WHERE id = ?", [reminder.id])
    assert store.get(reminder.id).language == "en"


def test_a_store_made_before_migrations_were_recorded_is_kept_as_it_is(tmp_path):
    from bot.reminders.store import MIGRATIONS

    path = tmp_path / "r.db"
    made = ReminderStore(path)
    made.set("p", dt.date(2026, 12, 3), at(2026, 12, 2, 23))
    made.db["_sqlite_migrations"].drop()  # as the schema code before migrations left it
    schema = made.db.schema
    made.db.conn.close()
    reopened = ReminderStore(path)
    assert reopened.current("p").status == PENDING
    assert [m.name for m in MIGRATIONS.applied(reopened.db)] == ["m001_tables"]
    assert reopened.db.schema.replace(schema, "").count("CREATE TABLE") == 1  # the record only


def test_threads_sharing_a_store_never_read_each_other_s_rows(tmp_path):
    """The web server answers each request on a thread of its own, and the
    scheduler's loop runs beside whoever made its store: one store, used from
    several threads at once, gives each its own rows and no error."""
    import threading

    store = ReminderStore(tmp_path / "r.db")
    ids = [
        store.set(f"p{i}", dt.date(2031, 1, 10), dt.datetime(2031, 1, 9, tzinfo=dt.UTC)).id
        for i in range(4)
    ]
    errors = []

    def read_and_write(reminder_id):
        try:
            for _ in range(300):
                assert store.get(reminder_id).id == reminder_id
                store.upcoming()
        except Exception as error:  # noqa: BLE001 - any error is the finding
            errors.append(repr(error))

    threads = [threading.Thread(target=read_and_write, args=(i,)) for i in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
