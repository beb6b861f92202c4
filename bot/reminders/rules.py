"""Which refill date a patient may set a reminder for, and when to remind: one
rule for the reminder a patient sets and for every cycle after it."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from bot import settings
from bot.reminders import dates
from bot.reminders.store import NextReminder, Reminder, ReminderStore

ISO_DATE_LENGTH = len("2026-12-03")

# Test setting: remind this many seconds after the patient sets a reminder,
# instead of the clinic's day-before hour. The following cycles keep the
# clinic's rule, so a test never loops.
LEAD_SECONDS = "HAIP_REMINDER_LEAD_SECONDS"


class RefusedDate(ValueError):
    """A refill date no reminder is set for. `reason` is the key of the message
    (content/messages.yml) that tells the patient why and asks again."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def refill_date(value: object, today: dt.date) -> dt.date:
    """The refill date a reminder may be set for, from a date or its ISO text:
    after today (a refill due today is too late to remind of) and at most a year
    ahead (dates.one_year_after). The refill form asks with this rule, and
    set_reminder checks again with it before anything is stored: whoever calls
    the action decides what the slot holds."""
    if type(value) is dt.date:
        day = value
    elif isinstance(value, str) and len(value) == ISO_DATE_LENGTH:
        try:
            day = dt.date.fromisoformat(value)
        except ValueError:
            raise RefusedDate("reminder_date_not_understood") from None
    else:
        raise RefusedDate("reminder_date_not_understood")
    if day < today:
        raise RefusedDate("reminder_date_past")
    if day == today:
        raise RefusedDate("reminder_date_today")
    if day > dates.one_year_after(today):
        raise RefusedDate("reminder_date_too_far")
    return day


def set_reminder(
    store: ReminderStore,
    sender_id: str,
    value: object,
    clinic: dict,
    now: dt.datetime,
    language: str = "en",
) -> Reminder:
    """The reminder a patient asked for, stored only if refill_date accepts the
    date on the clinic's today; RefusedDate otherwise, with nothing stored."""
    today = now.astimezone(ZoneInfo(clinic["timezone"])).date()
    refill = refill_date(value, today)
    return store.set(sender_id, refill, remind_at(refill, clinic, now), language)


def clinic_time(refill: dt.date, clinic: dict) -> dt.datetime:
    return dates.reminder_time(
        refill, clinic["reminder_hour"], clinic["timezone"], clinic["reminder_days_before"]
    )


def remind_at(refill: dt.date, clinic: dict, now: dt.datetime) -> dt.datetime:
    """For a reminder the patient sets now."""
    lead = settings.seconds(LEAD_SECONDS)
    if lead is not None:
        return now + dt.timedelta(seconds=lead)
    # Too late for the usual time (a refill tomorrow, set tonight): remind soon.
    return max(clinic_time(refill, clinic), now + dt.timedelta(minutes=1))


def following(reminder: Reminder, clinic: dict) -> NextReminder:
    """The next cycle's reminder: one refill interval later, at the clinic's hour."""
    refill = reminder.refill_date + dt.timedelta(days=clinic["refill_interval_days"])
    return NextReminder(refill, clinic_time(refill, clinic))
