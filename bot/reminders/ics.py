"""A standard iCalendar (RFC 5545) file of the coming refill dates, so the
reminder reaches the patient's own calendar even if they never come back.
Written with the `icalendar` library (escaping, line folding, CRLF)."""

from __future__ import annotations

import datetime as dt
import hashlib

import icalendar

PRODID = "-//HAIP patient-education assistant//EN"


def refill_calendar(
    refill_dates: list[dt.date],
    summary: str,
    description: str,
    alarm_text: str,
    alarm_hour: int,
    sender_id: str,
    now: dt.datetime | None = None,
) -> str:
    """All-day events on each refill date, each with an alarm at `alarm_hour` the
    evening before. The sender id appears only as a one-way hash in the UIDs."""
    stamp = now or dt.datetime.now(dt.timezone.utc)
    owner = hashlib.sha256(sender_id.encode()).hexdigest()[:16]
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    for day in refill_dates:
        event = icalendar.Event()
        event.add("uid", f"refill-{day:%Y%m%d}-{owner}@haip-assistant")
        event.add("dtstamp", stamp.astimezone(dt.timezone.utc))
        event.add("dtstart", day)
        event.add("dtend", day + dt.timedelta(days=1))
        event.add("summary", summary)
        event.add("description", description)
        event.add("transp", "TRANSPARENT")
        alarm = icalendar.Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", alarm_text)
        alarm.add("trigger", -dt.timedelta(hours=24 - alarm_hour))
        event.add_component(alarm)
        calendar.add_component(event)
    return calendar.to_ical().decode("utf-8")


def for_refill(content, refill: dt.date, sender_id: str, language: str = "en") -> str:
    """The clinic's calendar file from this refill on, in the patient's language:
    the chat's download and the reminder e-mail's attachment are the same file."""
    from bot.content import answers
    from bot.reminders import dates

    clinic = content.clinic
    cycle = dates.every(refill, clinic["refill_interval_days"], clinic["calendar_refills"])
    text = {
        key: answers.message(content, f"calendar_{key}", language=language).text
        for key in ("title", "note", "alarm")
    }
    return refill_calendar(
        cycle,
        text["title"],
        text["note"],
        text["alarm"],
        alarm_hour=clinic["reminder_hour"],
        sender_id=sender_id,
    )
