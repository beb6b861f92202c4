"""The audit log as admins read it: filtered by person, action and days on the
clinic's clock, and as CSV (every cell guarded as the review log's export is)."""

from __future__ import annotations

import csv
import datetime as dt
from typing import TextIO

from django.db.models import Q, QuerySet
from django.utils import timezone

from staff.audit.models import Entry
from staff.review import cells

COLUMNS = ("time_utc", "time_clinic", "person", "action", "about", "detail")


def actions() -> list[str]:
    return sorted(Entry.objects.values_list("action", flat=True).distinct())


def filtered(chosen: dict) -> QuerySet[Entry]:
    """Entries by or about the person, of the action, on those days (the
    current time zone's days: the clinic's, on a staff page)."""
    entries = Entry.objects.all()
    if chosen.get("person"):
        entries = entries.filter(Q(username=chosen["person"]) | Q(target=chosen["person"]))
    if chosen.get("action"):
        entries = entries.filter(action=chosen["action"])
    if chosen.get("since"):
        entries = entries.filter(time__date__gte=chosen["since"])
    if chosen.get("until"):
        entries = entries.filter(time__date__lte=chosen["until"])
    return entries


def described(chosen: dict) -> str:
    """The filters in words, for the export's own audit entry."""
    parts = [f"{key} {value.isoformat() if isinstance(value, dt.date) else value}"
             for key, value in chosen.items() if value]  # fmt: skip
    return ", ".join(parts) or "everything"


def write_csv(out: TextIO, entries: QuerySet[Entry]) -> int:
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    count = 0
    for entry in entries.iterator():
        row = (
            entry.time.astimezone(dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S"),
            timezone.localtime(entry.time).isoformat(timespec="seconds"),
            entry.username,
            entry.action,
            entry.target,
            entry.detail,
        )
        writer.writerow([cells.csv_cell(value) for value in row])
        count += 1
    return count
