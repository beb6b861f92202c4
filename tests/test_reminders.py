import datetime as dt

import icalendar

from bot import dates, ics
from bot.reminders import CANCELLED, MISSED, PENDING, SENT, ReminderStore

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
    # A cancelled reminder can never be marked sent.
    assert store.mark(reminder.id, SENT) is False
    assert store.get(reminder.id).status == CANCELLED


def test_due_and_upcoming(tmp_path):
    store = ReminderStore(tmp_path / "r.db")
    soon = store.set("a", dt.date(2026, 12, 3), at(2026, 12, 2, 23))
    later = store.set("b", dt.date(2026, 12, 1), at(2026, 12, 20, 23))
    assert store.due(at(2026, 12, 2, 23)) == [soon]
    assert store.due(at(2026, 12, 2, 22)) == []
    assert [r.sender_id for r in store.upcoming(dt.date(2026, 11, 30))] == ["b", "a"]
    assert store.mark(later.id, MISSED) and store.pending() == [soon]


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
    }


def test_calendar_parses_back_with_a_real_icalendar_library():
    refills = dates.every(dt.date(2026, 12, 3), 14, 6)
    text = ics.refill_calendar(
        refills,
        "Pump refill at Lakeside Demo Cancer Center",
        "Bring your pump ID card; call (555) 555-0100 to reschedule.",
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
    assert len({str(e["uid"]) for e in events}) == 6
    assert "secret-sender-id" not in text
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
