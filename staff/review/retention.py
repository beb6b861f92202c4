"""Deleting what is older than the clinic's retention setting (`log_retention_days`
in clinic.yml, default 180): review-log rows with their conversations' notes and search-index
entries, and the same conversations in Rasa's tracker store. SQLite's
secure_delete overwrites the freed pages, so deleted text is not left on disk.

A conversation goes as a whole once its last event is older than the limit:
Rasa cannot load half a conversation. The conversation holding the newest event
always stays, because SQLite would hand its id out again and the review log's
saved position would then skip new events.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from django.db import connection, transaction

from bot import paths
from bot.content.store import ContentStore
from bot.servers import trouble_log
from staff.audit import log
from staff.review import broker_events, pseudonyms
from staff.review.models import Conversation, Message, PendingTrouble

DEFAULT_DAYS = 180


@dataclass
class Report:
    days: int
    conversations: int
    events: int
    messages: int

    def summary(self) -> str:
        return (
            f"Retention {self.days} days: deleted {self.conversations} conversations "
            f"({self.events} tracker events, {self.messages} review-log rows)."
        )


def retention_days() -> int:
    try:
        clinic = ContentStore(paths.CONTENT_DIR).get().clinic
    except Exception:  # no valid content: keep the default rather than keep forever
        return DEFAULT_DAYS
    return int(clinic.get("log_retention_days", DEFAULT_DAYS))


def _old_conversations(tracker: sqlite3.Connection, cutoff: float) -> list[str]:
    rows = tracker.execute(
        "SELECT sender_id FROM events GROUP BY sender_id HAVING MAX(timestamp) < ?"
        " AND MAX(id) < (SELECT MAX(id) FROM events)",
        (cutoff,),
    )
    return [r[0] for r in rows]


def run(tracker_db: Path, days: int | None = None, now: float | None = None) -> Report:
    days = days or retention_days()
    cutoff = (now or time.time()) - days * 86400
    senders: list[str] = []
    events = 0
    if broker := broker_events.from_settings():  # scaled out: PostgreSQL
        senders, events = broker.forget_older_than(cutoff)
    if tracker_db.exists():
        with contextlib.closing(sqlite3.connect(tracker_db, timeout=30)) as tracker:
            tracker.execute("PRAGMA secure_delete=ON")
            if broker is None:
                senders = _old_conversations(tracker, cutoff)
            with tracker:
                for sender in senders:
                    if broker is None:
                        events += tracker.execute(
                            "DELETE FROM events WHERE sender_id = ?", (sender,)
                        ).rowcount
                    # Scaled out, the file holds the trouble log alone.
                    trouble_log.forget(tracker, sender)
    cutoff_time = dt.datetime.fromtimestamp(cutoff, tz=dt.timezone.utc)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA secure_delete=ON")
        gone = {pseudonyms.of(s) for s in senders}
        # Rows of conversations already gone from the tracker (or never there).
        old = Message.objects.filter(time__lt=cutoff_time).values_list("conversation", flat=True)
        recent = set(
            Message.objects.filter(time__gte=cutoff_time).values_list("conversation", flat=True)
        )
        # A shorter name stored before stays while its conversation has newer rows.
        recent |= {name[: pseudonyms.LEGACY_LENGTH] for name in recent}
        gone |= set(old) - recent
        messages = 0
        for conversation in {stored for name in gone for stored in pseudonyms.names(name)}:
            messages += (
                Message.objects.filter(conversation=conversation)
                .delete()[1]
                .get("review.Message", 0)
            )
            PendingTrouble.objects.filter(conversation=conversation).delete()
            Conversation.objects.filter(name=conversation).delete()  # and its notes
        log.record(
            None,
            "retention",
            f"{days} days",
            f"{len(gone)} conversations, {events} tracker events, {messages} log rows",
        )
    return Report(days, len(gone), events, messages)
