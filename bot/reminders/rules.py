"""When to remind: one rule for the reminder a patient sets and for every
cycle after it."""

from __future__ import annotations

import datetime as dt

from bot import settings
from bot.reminders import dates
from bot.reminders.store import NextReminder, Reminder

# Test setting: remind this many seconds after the patient sets a reminder,
# instead of the clinic's day-before hour. The following cycles keep the
# clinic's rule, so a test never loops.
LEAD_SECONDS = "HAIP_REMINDER_LEAD_SECONDS"


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
