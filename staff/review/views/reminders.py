"""Refill reminders as the scheduler keeps them: those still to go out, those
that failed (someone should call) and those missed. Read from the reminder store,
opened read-only; a conversation shows as its pseudonym only, linked to the
inbox when the review log has it."""

from __future__ import annotations

import datetime as dt
import logging
import re
import sqlite3
from dataclasses import dataclass

from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from bot.reminders import store
from staff.accounts import roles
from staff.review import pseudonyms, stats

logger = logging.getLogger(__name__)

# Failed and missed reminders pile up over the years: the newest this many.
LIMIT = 200
COLUMNS = "id, sender_id, refill_date, remind_at, status, attempts, retry_at, last_error"
SECTIONS = {
    # name: (statuses, order)
    "upcoming": ((store.PENDING, store.DELIVERING), "remind_at, id"),
    "failed": ((store.FAILED,), "remind_at DESC, id DESC"),
    "missed": ((store.MISSED,), "remind_at DESC, id DESC"),
}
TITLES = {
    "upcoming": {
        "title": "Upcoming",
        "caption": "Reminders not yet delivered, by the time they are due",
        "empty": "No reminder is waiting to go out.",
    },
    "failed": {
        "title": "Failed",
        "caption": "Reminders that could not be delivered after every retry, newest first;"
        " where the visit is still ahead, someone should call the patient",
        "empty": "No reminder has failed.",
    },
    "missed": {
        "title": "Missed",
        "caption": "Reminders whose visit passed while the assistant was down, newest first",
        "empty": "No reminder was missed.",
    },
}
# The scheduler keeps "ExceptionType: its text"; staff see the type only.
ERROR_KIND = re.compile(r"[A-Za-z_][A-Za-z0-9_.]{0,59}")


@dataclass(frozen=True)
class Row:
    id: int
    refill_date: dt.date
    remind_at: dt.datetime
    status: str
    attempts: int
    retry_at: dt.datetime | None
    error_kind: str
    conversation: str
    message: int | None  # pk of the conversation's newest patient message
    visit_ahead: bool


def _when(raw: str | None) -> dt.datetime | None:
    if not raw:
        return None
    moment = dt.datetime.fromisoformat(raw)
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment, dt.timezone.utc)


def error_kind(error: str | None) -> str:
    """Only the error's type, never its text (which could carry anything)."""
    if not error:
        return ""
    found = ERROR_KIND.match(error.split(":", 1)[0].strip())
    return found.group(0) if found else "other"


def read(connection: sqlite3.Connection) -> dict[str, list[sqlite3.Row]]:
    found = {}
    for name, (statuses, order) in SECTIONS.items():
        marks = ", ".join("?" * len(statuses))
        found[name] = connection.execute(
            f"SELECT {COLUMNS} FROM {store.TABLE} WHERE status IN ({marks})"
            f" ORDER BY {order} LIMIT ?",
            [*statuses, LIMIT],
        ).fetchall()
    return found


def rows(found: dict[str, list[sqlite3.Row]], today: dt.date) -> dict[str, list[Row]]:
    names = {r["sender_id"]: pseudonyms.of(r["sender_id"]) for rs in found.values() for r in rs}
    latest = stats.latest_patient_message(set(names.values()))
    result = {}
    for section, records in found.items():
        result[section] = [
            Row(
                id=r["id"],
                refill_date=dt.date.fromisoformat(r["refill_date"]),
                remind_at=_when(r["remind_at"]),
                status=r["status"],
                attempts=r["attempts"] or 0,
                retry_at=_when(r["retry_at"]),
                error_kind=error_kind(r["last_error"]),
                conversation=names[r["sender_id"]],
                message=latest.get(names[r["sender_id"]]),
                visit_ahead=dt.date.fromisoformat(r["refill_date"]) >= today,
            )
            for r in records
        ]
    return result


@require_GET
@roles.require(*roles.REVIEWERS)
def reminders(request):
    sections: dict[str, list[Row]] = {name: [] for name in SECTIONS}
    state = "ok"
    try:
        with stats.read_only(stats.reminders_db()) as connection:
            if connection is None:
                state = "none"
            else:
                sections = rows(read(connection), timezone.localdate())
    except (sqlite3.Error, ValueError) as exc:
        # A locked, damaged or foreign file: say so, and keep the page.
        logger.warning("The reminder store could not be read: %s", type(exc).__name__)
        state = "unreadable"
    return render(
        request,
        "staff/reminders.html",
        {
            "state": state,
            "limit": LIMIT,
            "sections": [
                {"name": name, "rows": sections[name], **TITLES[name]} for name in SECTIONS
            ],
        },
    )
