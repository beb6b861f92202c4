"""A standard iCalendar (RFC 5545) file of the coming refill dates, so the
reminder reaches the patient's own calendar even if they never come back."""

from __future__ import annotations

import datetime as dt
import hashlib

PRODID = "-//HAIP patient-education assistant//EN"


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line: str) -> str:
    """Lines longer than 75 octets continue on the next line after a space."""
    raw = line.encode("utf-8")
    if len(raw) <= 75:
        return line
    parts, current = [], b""
    for char in line:
        encoded = char.encode("utf-8")
        if len(current) + len(encoded) > (75 if not parts else 74):
            parts.append(current.decode("utf-8"))
            current = b""
        current += encoded
    parts.append(current.decode("utf-8"))
    return "\r\n ".join(parts)


def refill_calendar(
    refill_dates: list[dt.date],
    summary: str,
    description: str,
    alarm_hour: int,
    sender_id: str,
    now: dt.datetime | None = None,
) -> str:
    """All-day events on each refill date, each with an alarm at `alarm_hour` the
    evening before. The sender id appears only as a one-way hash in the UIDs."""
    stamp = (now or dt.datetime.now(dt.timezone.utc)).strftime("%Y%m%dT%H%M%SZ")
    owner = hashlib.sha256(sender_id.encode()).hexdigest()[:16]
    before = 24 - alarm_hour
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
    ]
    for day in refill_dates:
        lines += [
            "BEGIN:VEVENT",
            f"UID:refill-{day:%Y%m%d}-{owner}@haip-assistant",
            f"DTSTAMP:{stamp}",
            f"DTSTART;VALUE=DATE:{day:%Y%m%d}",
            f"DTEND;VALUE=DATE:{day + dt.timedelta(days=1):%Y%m%d}",
            f"SUMMARY:{_escape(summary)}",
            f"DESCRIPTION:{_escape(description)}",
            "TRANSP:TRANSPARENT",
            "BEGIN:VALARM",
            "ACTION:DISPLAY",
            f"DESCRIPTION:{_escape(summary)} tomorrow",
            f"TRIGGER:-PT{before}H",
            "END:VALARM",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"
