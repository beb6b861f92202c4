"""Figures for the overview dashboard: pure functions over querysets of the
review log (counted by the database, per UTC day), and the reminder store's
counts (bot/reminders/staff_view.py)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

from django.db.models import Count, Max, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone

from bot import settings as haip
from bot.reminders import staff_view
from staff.review import pseudonyms
from staff.review.models import Message, Outcome

PERIODS = (7, 30, 90)
DEFAULT_DAYS = 30
TOP_TOPICS = 10


# -- the period -------------------------------------------------------------------


def days_from(raw: str | None) -> int:
    """The period asked for in ?days=, if it is one on offer; else the default."""
    try:
        days = int(raw or "")
    except ValueError:
        return DEFAULT_DAYS
    return days if days in PERIODS else DEFAULT_DAYS


def period(days: int, today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """The first and last day of the last `days` days, today included."""
    last = today or timezone.localdate()
    return last - dt.timedelta(days=days - 1), last


def _midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def within(messages: QuerySet, first: dt.date, last: dt.date) -> QuerySet:
    """Messages whose time falls on the days from first to last."""
    return messages.filter(
        time__gte=_midnight(first), time__lt=_midnight(last + dt.timedelta(days=1))
    )


def patient(messages: QuerySet | None = None) -> QuerySet:
    messages = Message.objects.all() if messages is None else messages
    return messages.filter(sender=Message.PATIENT)


def days_between(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]


# -- the review log -----------------------------------------------------------------


def daily(messages: QuerySet, first: dt.date, last: dt.date) -> list[dict]:
    """Per day from first to last: messages, how many were not understood, and
    their share (None on a day without messages). Days without messages are 0."""
    counted = {
        row["day"]: row
        for row in within(messages, first, last)
        .annotate(day=TruncDate("time"))
        .values("day")
        .annotate(
            messages=Count("id"),
            not_understood=Count("id", filter=Q(outcome=Outcome.NOT_UNDERSTOOD)),
        )
        .order_by("day")
    }
    rows = []
    for day in days_between(first, last):
        row = counted.get(day, {})
        total = row.get("messages", 0)
        missed = row.get("not_understood", 0)
        rows.append(
            {
                "day": day.isoformat(),
                "messages": total,
                "not_understood": missed,
                "not_understood_share": round(missed / total, 4) if total else None,
            }
        )
    return rows


def totals(messages: QuerySet) -> dict[str, int]:
    """How many messages, and how many were urgent, handoffs, not understood."""
    return messages.aggregate(
        messages=Count("id"),
        urgent=Count("id", filter=Q(outcome=Outcome.URGENT)),
        handoff=Count("id", filter=Q(outcome=Outcome.HANDOFF)),
        not_understood=Count("id", filter=Q(outcome=Outcome.NOT_UNDERSTOOD)),
    )


def conversations_by_language(messages: QuerySet) -> list[dict]:
    """How many conversations had patient messages in each language, most first;
    a conversation in two languages counts in both."""
    from bot.content import languages

    rows = (
        messages.values("language")
        .annotate(count=Count("conversation", distinct=True))
        .order_by("-count", "language")
    )
    return [
        {"language": languages.NAMES.get(r["language"], "not known"), "count": r["count"]}
        for r in rows
    ]


def top_topics(messages: QuerySet, limit: int = TOP_TOPICS) -> list[dict]:
    """The topics answered most often, most first (ties by name)."""
    return list(
        messages.filter(outcome=Outcome.ANSWERED)
        .exclude(topic="")
        .values("topic")
        .annotate(count=Count("id"))
        .order_by("-count", "topic")[:limit]
    )


def latest_patient_message(conversations: set[str] | list[str]) -> dict[str, int]:
    """Per pseudonym, the pk of its newest patient message in the review log
    (under the name or the shorter one stored before)."""
    stored_as = {stored: name for name in conversations for stored in pseudonyms.names(name)}
    latest: dict[str, int] = {}
    for stored, pk in (
        patient()
        .filter(conversation__in=list(stored_as))
        .values("conversation")
        .annotate(latest=Max("id"))
        .values_list("conversation", "latest")
    ):
        name = stored_as[stored]
        latest[name] = max(latest.get(name, pk), pk)
    return latest


# -- the reminder store (read through its staff view) ----------------------------


def reminders_db() -> Path:
    return haip.path("HAIP_REMINDERS_DB")


def reminder_counts(path: Path, first: dt.date, last: dt.date) -> dict:
    """Reminders delivered, failed (gave up) and missed on the days from first to
    last; available is False with no store."""
    found = staff_view.counts(path, first, last)
    if found is None:
        return {"available": False, "delivered": 0, "failed": 0, "missed": 0}
    return {"available": True, **dataclasses.asdict(found)}


# -- everything the dashboard shows ----------------------------------------------


def overview(days: int, today: dt.date | None = None, reminders: Path | None = None) -> dict:
    first, last = period(days, today)
    messages = within(patient(), first, last)
    return {
        "days": days,
        "first": first.isoformat(),
        "last": last.isoformat(),
        "daily": daily(patient(), first, last),
        "totals": totals(messages),
        "top_topics": top_topics(messages),
        "languages": conversations_by_language(messages),
        "reminders": reminder_counts(reminders or reminders_db(), first, last),
    }
