"""The masked review log as CSV, as staff see it; every export is audited."""

from __future__ import annotations

import csv
import datetime as dt
from typing import TextIO

from staff.audit import log
from staff.review.models import Message

COLUMNS = (
    "time_utc",
    "conversation",
    "sender",
    "message",
    "topic",
    "confidence",
    "outcome",
    "status",
    "content_version",
)


def _safe_cell(text: str) -> str:
    """A cell a spreadsheet would run as a formula (=, +, -, @) starts with a
    quote instead: CSV injection."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def write_csv(out: TextIO, since: dt.date | None = None, by=None) -> int:
    rows = Message.objects.order_by("time", "id")
    if since:
        rows = rows.filter(time__date__gte=since)
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    count = 0
    for m in rows.iterator():
        writer.writerow(
            (
                m.time.strftime("%Y-%m-%d %H:%M:%S"),
                m.conversation,
                m.sender,
                _safe_cell(m.text),
                m.topic,
                "" if m.confidence is None else f"{m.confidence:.2f}",
                m.outcome,
                m.status,
                m.content_version,
            )
        )
        count += 1
    log.record(
        by,
        "export",
        "review log (CSV)",
        f"{count} rows" + (f" since {since.isoformat()}" if since else ""),
    )
    return count
