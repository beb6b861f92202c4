"""Deleting what is older than the clinic's retention setting (`log_retention_days`
in clinic.yml, default 180): review-log rows with their conversations' notes and search-index
entries, the same conversations in Rasa's events (bot/events, which says which
conversations may go) and the trouble log's rows of those conversations or older
than the limit. SQLite's secure_delete overwrites the freed pages, so deleted
text is not left on disk.

A run killed at any point is finished by the next: Rasa's events go first, in
one transaction; the trouble log's rows go by age too, and the review log's by
the conversations just deleted and by any whose rows are all older than the
limit, in one transaction (tests/staff/test_staff_retention_restarts.py).

A conversation goes as a whole once its last event is older than the limit:
Rasa cannot load half a conversation.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from pathlib import Path

from django.db import connection, transaction

from bot import paths
from bot.content.store import ContentStore
from bot.events import EventSource, for_tracker
from bot.servers.trouble_log import TroubleLog
from staff.audit import log
from staff.review import pseudonyms
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


def run(
    events: EventSource | Path,
    days: int | None = None,
    now: float | None = None,
    trouble: TroubleLog | None = None,
) -> Report:
    """events: a source, or a tracker file's path for its events (the event
    broker's when scaled out) and the trouble log that goes with it. Raises
    bot.events.source.Busy, having deleted nothing, when Rasa holds its events
    locked for longer than we wait."""
    days = days or retention_days()
    cutoff = (now or time.time()) - days * 86400
    if isinstance(events, (str, Path)):
        trouble = trouble or TroubleLog.from_settings(tracker_db=Path(events))
        events = for_tracker(Path(events))
    forgotten = events.forget_older_than(cutoff)
    senders, events_deleted = forgotten.senders, forgotten.events
    (trouble or TroubleLog.from_settings()).forget(senders, older_than=cutoff)
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
            f"{len(gone)} conversations, {events_deleted} tracker events, {messages} log rows",
        )
    return Report(days, len(gone), events_deleted, messages)
