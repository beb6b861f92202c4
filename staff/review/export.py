"""The masked review log as CSV, as staff see it, one row per message (a patient
message carries its conversation's review status); every export is audited.
Every cell is guarded against control characters and formulas (staff/review/cells.py)."""

from __future__ import annotations

import csv
import datetime as dt
from typing import TextIO

from staff.audit import log
from staff.review import cells, pseudonyms
from staff.review.models import Conversation, Message

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
    "wrong_answer",
)


def _statuses() -> dict[str, str]:
    """Each stored conversation name -> its conversation's review status."""
    return {
        stored: status
        for name, status in Conversation.objects.values_list("name", "status")
        for stored in pseudonyms.names(name)
    }


def write_csv(out: TextIO, since: dt.date | None = None, by=None) -> int:
    rows = Message.objects.order_by("time", "id")
    if since:
        rows = rows.filter(time__date__gte=since)
    statuses = _statuses()
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
            statuses.get(m.conversation, "") if m.sender == Message.PATIENT else "",
            m.content_version,
            "yes" if m.wrong_answer else "",
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
