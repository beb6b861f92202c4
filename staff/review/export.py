"""The masked review log as CSV, as staff see it; every export is audited.
Every cell is guarded against control characters and formulas (staff/review/cells.py)."""

from __future__ import annotations

import csv
import datetime as dt
from typing import TextIO

from staff.audit import log
from staff.review import cells
from staff.review.models import Message

COLUMNS = (
    "time_utc",
    "conversation",
    "sender",
    "message",
    "language",
    "topic",
    "confidence",
    "outcome",
    "status",
    "content_version",
)


def write_csv(out: TextIO, since: dt.date | None = None, by=None) -> int:
    rows = Message.objects.order_by("time", "id")
    if since:
        rows = rows.filter(time__date__gte=since)
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    count = 0
    for m in rows.iterator():
        row = (
            m.time.strftime("%Y-%m-%d %H:%M:%S"),
            m.conversation,
            m.sender,
            m.text,
            m.language,
            m.topic,
            "" if m.confidence is None else f"{m.confidence:.2f}",
            m.outcome,
            m.status,
            m.content_version,
        )
        # Every column: rows stored before the review log cleaned its input too.
        writer.writerow([cells.csv_cell(value) for value in row])
        count += 1
    log.record(
        by,
        "export",
        "review log (CSV)",
        f"{count} rows" + (f" since {since.isoformat()}" if since else ""),
    )
    return count
