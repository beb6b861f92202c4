"""Reminder actions with rasa-sdk's real Tracker and CollectingDispatcher, and a
real SQLite store in a temporary folder."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import reminders, replies
from bot.content.store import ContentStore
from bot.reminders import rules
from bot.reminders.store import ReminderStore
from tests.conftest import action_tracker as tracker

CLINIC_ZONE = "America/New_York"

TODAY = dt.date(2026, 11, 21)
# Noon at the clinic (America/New_York) on TODAY: the actions' one clock, set
# here so that no test depends on the day it runs.
NOW = dt.datetime(2026, 11, 21, 17, tzinfo=dt.timezone.utc)


@pytest.fixture(autouse=True)
def setup(content_dir, tmp_path, monkeypatch):
    monkeypatch.setattr(replies, "STORE", ContentStore(content_dir))
    monkeypatch.setenv("HAIP_REMINDERS_DB", str(tmp_path / "reminders.db"))
    set_clock(monkeypatch, NOW)
    return ReminderStore(tmp_path / "reminders.db")


def set_clock(monkeypatch, now: dt.datetime) -> None:
    monkeypatch.setattr(reminders, "now", lambda: now)


def validate(text, attempts=None):
    dispatcher = CollectingDispatcher()
    result = reminders.ValidateRefillForm().validate_refill_date(
        text, dispatcher, tracker({"refill_date_attempts": attempts}), {}
    )
    return result, [m["text"] for m in dispatcher.messages]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Dec 3", "2026-12-03"),
        ("my next refill is 12/3", "2026-12-03"),
        ("in 2 weeks", "2026-12-05"),
        ("tomorrow", "2026-11-22"),
        # Last refill Nov 20 + 14 days.
        ("my last refill was Nov 20", "2026-12-04"),
        # Last refill long ago: the next one from today on, in steps of 14 days.
        ("last refill was Oct 1", "2026-11-26"),
    ],
)
def test_dates_the_form_accepts(text, expected):
    result, messages = validate(text)
    assert result == {"refill_date": expected, "refill_date_attempts": None}
    assert messages == []


@pytest.mark.parametrize("text", ["Nov 19", "yesterday", "11/20", "2026-11-20"])
def test_a_past_date_is_refused_with_a_reason(text):
    result, messages = validate(text)
    assert result == {"refill_date": None, "refill_date_attempts": 1}
    assert "already passed" in messages[0]


@pytest.mark.parametrize("text", ["today", "Nov 21", "11/21", "my next refill is today"])
def test_a_refill_today_is_too_late_to_remind_and_re_asked(text):
    result, messages = validate(text)
    assert result == {"refill_date": None, "refill_date_attempts": 1}
    assert "too late to remind you" in messages[0]


@pytest.mark.parametrize(
    "text, expected",
    [
        # A last refill today, or a whole cycle ago: the next one, never today.
        ("my last refill was today", "2026-12-05"),
        ("my last refill was Nov 7", "2026-12-05"),
    ],
)
def test_the_refill_after_a_last_refill_is_after_today(text, expected):
    assert validate(text)[0] == {"refill_date": expected, "refill_date_attempts": None}


# Days that break date code: the end of a month and of a year, a leap day, the
# day after one, and both of the clinic's daylight-saving changes.
AWKWARD_DAYS = [
    (dt.date(2026, 12, 31), "tomorrow", dt.date(2027, 1, 1)),
    (dt.date(2026, 12, 31), "Jan 2", dt.date(2027, 1, 2)),
    (dt.date(2027, 1, 31), "in 2 weeks", dt.date(2027, 2, 14)),
    (dt.date(2028, 2, 28), "tomorrow", dt.date(2028, 2, 29)),
    (dt.date(2028, 2, 29), "Mar 1", dt.date(2028, 3, 1)),
    (dt.date(2027, 2, 28), "next Tuesday", dt.date(2027, 3, 2)),
    (dt.date(2028, 3, 1), "my last refill was Feb 29", dt.date(2028, 3, 14)),
    (dt.date(2027, 3, 13), "tomorrow", dt.date(2027, 3, 14)),
    (dt.date(2027, 11, 6), "tomorrow", dt.date(2027, 11, 7)),
]


@pytest.mark.parametrize("today, text, refill", AWKWARD_DAYS)
def test_awkward_days_give_a_future_refill_and_a_reminder_before_it(
    monkeypatch, setup, today, text, refill
):
    # 9 am at the clinic, whatever the offset on that day.
    local = dt.datetime(today.year, today.month, today.day, 9, tzinfo=ZoneInfo(CLINIC_ZONE))
    set_clock(monkeypatch, local.astimezone(dt.timezone.utc))
    result, _ = validate(text)
    assert result == {"refill_date": refill.isoformat(), "refill_date_attempts": None}
    run(reminders.ActionSetReminder(), {"refill_date": refill.isoformat()})
    stored = setup.current("patient-7")
    assert stored.refill_date == refill
    assert local.astimezone(dt.timezone.utc) < stored.remind_at
    assert stored.remind_at.astimezone(ZoneInfo(CLINIC_ZONE)).date() < refill


def test_a_refill_date_that_passed_since_the_form_is_not_scheduled(monkeypatch, setup):
    # The patient answered before midnight and the reminder is set after it.
    set_clock(monkeypatch, dt.datetime(2026, 12, 4, 5, 30, tzinfo=dt.timezone.utc))
    messages, events = run(reminders.ActionSetReminder(), {"refill_date": "2026-12-03"})
    assert setup.current("patient-7") is None
    assert "already passed" in messages[0]["text"]
    assert {"event": "slot", "timestamp": None, "name": "refill_date", "value": None} in events


@pytest.mark.parametrize(
    "forged, says",
    [
        ("9999-12-31", "more than a year away"),
        ("2027-11-22", "more than a year away"),
        ("2026-11-20", "already passed"),
        ("2026-11-21", "too late to remind you"),
        ("2026-13-01", "could not read that as a date"),
        ("Dec 3", "could not read that as a date"),
        ("9" * 100_000, "could not read that as a date"),
        (["2026-12-03"], "could not read that as a date"),
        ({"date": "2026-12-03"}, "could not read that as a date"),
        (20261203, "could not read that as a date"),
    ],
    ids=[
        "year-9999",
        "a-year-and-a-day",
        "past",
        "today",
        "month-13",
        "not-iso",
        "huge",
        "list",
        "object",
        "number",
    ],
)
def test_a_forged_refill_slot_stores_nothing_and_is_answered(setup, forged, says):
    """Whoever calls the action server decides what the slot holds: the action
    checks it with the form's own rule before anything is stored."""
    messages, events = run(reminders.ActionSetReminder(), {"refill_date": forged})
    assert setup.all() == []
    assert says in messages[0]["text"]
    assert {"event": "slot", "timestamp": None, "name": "refill_date", "value": None} in events


def test_the_last_day_the_form_accepts_is_the_last_day_a_reminder_is_set_for(setup):
    assert validate("2027-11-21")[0]["refill_date"] == "2027-11-21"
    assert validate("2027-11-22")[0]["refill_date"] is None
    run(reminders.ActionSetReminder(), {"refill_date": "2027-11-21"})
    assert setup.current("patient-7").refill_date == dt.date(2027, 11, 21)


@pytest.mark.parametrize(
    "text", ["in 99999999 weeks", f"in {10**20} days", "12/3/9999", "Dec 3 2028", "in 60 weeks"]
)
def test_a_date_more_than_a_year_ahead_is_re_asked_with_a_reason(text):
    result, messages = validate(text)
    assert result == {"refill_date": None, "refill_date_attempts": 1}
    assert "more than a year away" in messages[0]


@pytest.mark.parametrize("text", ["December 3 99999", "in 10**20 days", "2026-13-01"])
def test_absurd_numbers_are_re_asked(text):
    result, messages = validate(text)
    assert result == {"refill_date": None, "refill_date_attempts": 1}
    assert "could not read that as a date" in messages[0]


def test_a_last_refill_typed_in_fullwidth_letters():
    result, _ = validate("ｍｙ ｌａｓｔ ｒｅｆｉｌｌ ｗａｓ Ｎｏｖ\u00a020")
    assert result == {"refill_date": "2026-12-04", "refill_date_attempts": None}


def test_nonsense_is_re_asked_twice_then_a_way_out():
    assert validate("banana")[0]["refill_date_attempts"] == 1
    assert validate("potato", attempts=1)[0]["refill_date_attempts"] == 2
    result, messages = validate("the 45th", attempts=2)
    assert result["refill_date"] == reminders.GAVE_UP
    assert "try again any time" in messages[0] and "(555) 555-0100" in messages[0]


def run(action, slots=None):
    dispatcher = CollectingDispatcher()
    events = action.run(dispatcher, tracker(slots), {})
    return dispatcher.messages, events


def test_setting_a_reminder_stores_it_and_offers_a_calendar(setup):
    messages, events = run(reminders.ActionSetReminder(), {"refill_date": "2026-12-03"})
    assert "Thursday, December 3, 2026" in messages[0]["text"]
    assert "Wednesday, December 2, 2026 at 6 pm" in messages[0]["text"]
    assert "Dec 17" in messages[0]["text"]
    assert messages[1]["custom"]["type"] == "calendar"
    assert "BEGIN:VCALENDAR" in messages[1]["custom"]["content"]
    stored = setup.current("patient-7")
    assert stored.refill_date == dt.date(2026, 12, 3)
    assert stored.remind_at == dt.datetime(2026, 12, 2, 23, tzinfo=dt.timezone.utc)
    assert {"event": "slot", "timestamp": None, "name": "refill_date", "value": None} in events


def test_giving_up_sets_nothing(setup):
    messages, _ = run(reminders.ActionSetReminder(), {"refill_date": reminders.GAVE_UP})
    assert messages == [] and setup.pending() == []


def test_ask_change_and_cancel(setup):
    assert "no refill reminder" in run(reminders.ActionNextRefill())[0][0]["text"]
    run(reminders.ActionSetReminder(), {"refill_date": "2026-12-03"})
    assert "December 3" in run(reminders.ActionNextRefill())[0][0]["text"]
    run(reminders.ActionSetReminder(), {"refill_date": "2026-12-10"})
    assert "December 10" in run(reminders.ActionNextRefill())[0][0]["text"]
    assert len(setup.pending()) == 1
    assert "stopped" in run(reminders.ActionCancelReminders())[0][0]["text"]
    assert setup.pending() == []
    assert "no refill reminder to stop" in run(reminders.ActionCancelReminders())[0][0]["text"]


def test_a_later_conversation_with_the_same_sender_sees_the_reminder(setup):
    run(reminders.ActionSetReminder(), {"refill_date": "2026-12-03"})
    dispatcher = CollectingDispatcher()
    reminders.ActionNextRefill().run(dispatcher, tracker(sender="patient-7"), {})
    assert "December 3" in dispatcher.messages[0]["text"]


def external(reminder_id, sender="patient-7", history=()):
    """The tracker as Rasa sends it for a triggered EXTERNAL_refill_due."""
    latest = {
        "text": "EXTERNAL: EXTERNAL_refill_due",
        "intent": {"name": "EXTERNAL_refill_due", "confidence": 1.0},
        "entities": [{"entity": "reminder_id", "value": reminder_id}],
    }
    events = [*history, {"event": "user", "text": latest["text"], "parse_data": latest}]
    return Tracker(sender, {}, latest, events, False, None, {}, "action_listen")


def remind(patient):
    dispatcher = CollectingDispatcher()
    reminders.ActionRefillReminder().run(dispatcher, patient, {})
    return dispatcher.messages


def test_the_reminder_text_comes_from_the_store_whatever_the_slots(setup):
    reminder = setup.set("patient-7", dt.date(2026, 12, 3), dt.datetime.now(dt.timezone.utc))
    setup.claim(reminder.id)
    messages = remind(external(reminder.id))
    assert messages[0]["text"].startswith("Reminder: your pump refill is on Thursday, December 3")
    assert "(555) 555-0100" in messages[0]["text"]


def test_only_the_schedulers_own_claim_gets_an_answer(setup):
    reminder = setup.set("patient-7", dt.date(2026, 12, 3), dt.datetime.now(dt.timezone.utc))
    assert remind(external(reminder.id)) == []  # typed early: not claimed yet
    setup.claim(reminder.id)
    assert remind(external(reminder.id, sender="someone-else")) == []
    assert remind(external(reminder.id + 99)) == []
    typed = external(reminder.id)
    typed.latest_message["text"] = '/EXTERNAL_refill_due{"reminder_id": 1}'
    assert remind(typed) == []


def test_an_attempt_already_answered_is_not_sent_again(setup):
    reminder = setup.set("patient-7", dt.date(2026, 12, 3), dt.datetime.now(dt.timezone.utc))
    setup.claim(reminder.id)
    first = external(reminder.id)
    answered = [*first.events, {"event": "bot", "text": "Reminder: ..."}]
    assert remind(external(reminder.id, history=answered)) == []


def test_the_lead_time_test_setting(monkeypatch):
    monkeypatch.setenv(rules.LEAD_SECONDS, "5")
    now = dt.datetime(2026, 11, 21, 12, tzinfo=dt.timezone.utc)
    clinic = {"reminder_hour": 18, "timezone": "America/New_York", "reminder_days_before": 1}
    assert rules.remind_at(dt.date(2026, 12, 3), clinic, now) == now + dt.timedelta(seconds=5)


def test_the_calendar_is_wrapped_for_socketio_and_bare_for_rest():
    # Rasa's socket.io channel passes a custom payload to emit() as keyword
    # arguments; unwrapped, the calendar never reached a web chat.
    for channel, wrapped in [("socketio", True), ("rest", False)]:
        dispatcher = CollectingDispatcher()
        patient = tracker({"refill_date": "2026-12-03"})
        patient.events.append({"event": "user", "text": "x", "input_channel": channel})
        reminders.ActionSetReminder().run(dispatcher, patient, {})
        custom = dispatcher.messages[-1]["custom"]
        calendar = custom["data"]["custom"] if wrapped else custom
        assert set(custom) == ({"data"} if wrapped else set(calendar))
        assert calendar["type"] == "calendar" and calendar["filename"] == "pump-refills.ics"


@pytest.mark.parametrize(
    "text, expected",
    [
        ("el 3 de diciembre", "2026-12-03"),
        ("el próximo viernes", "2026-11-27"),
        ("el proximo viernes", "2026-11-27"),
        ("en dos semanas", "2026-12-05"),
        ("mañana", "2026-11-22"),
        ("3 de marzo de 2027", "2027-03-03"),
        ("el 3 de diciembre en la mañana", "2026-12-03"),
        # Last refill Nov 20 + 14 days.
        ("mi último relleno fue el 20 de noviembre", "2026-12-04"),
        ("me llenaron la bomba el 20 de noviembre", "2026-12-04"),
    ],
)
def test_spanish_dates_the_form_accepts(text, expected):
    result, messages = validate(text)
    assert result == {"refill_date": expected, "refill_date_attempts": None}
    assert messages == []


def test_a_spanish_conversation_gets_the_form_the_reminder_and_the_calendar_in_spanish(setup):
    spanish = {"language": "es"}
    dispatcher = CollectingDispatcher()
    reminders.ActionAskRefillDate().run(dispatcher, tracker(spanish), {})
    assert dispatcher.messages[0]["text"].startswith("¿Cuándo es su próximo relleno")
    messages, _ = run(reminders.ActionSetReminder(), {"refill_date": "2026-12-03", **spanish})
    assert "jueves 3 de diciembre de 2026" in messages[0]["text"]
    assert "miércoles 2 de diciembre de 2026 a las 6 pm" in messages[0]["text"]
    assert "17 dic" in messages[0]["text"]
    calendar = messages[1]["custom"]
    assert calendar["label"] == "Agregar mis fechas de relleno a mi calendario"
    assert "SUMMARY:" in calendar["content"] and "relleno" in calendar["content"].lower()
    dispatcher = CollectingDispatcher()
    reminders.ActionNextRefill().run(dispatcher, tracker(spanish), {})
    assert "jueves 3 de diciembre de 2026" in dispatcher.messages[0]["text"]
