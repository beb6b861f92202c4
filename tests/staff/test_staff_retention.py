"""Retention deletes old conversations from the review log and from Rasa's
tracker store, with their search-index entries, and keeps the newest event."""

import sqlite3

import pytest
from django.db import connection

from staff.audit.models import Entry
from staff.review import retention
from staff.review.follower import Follower
from staff.review.models import Conversation, Message, Note
from tests.staff.tracker_events import Tracker

pytestmark = pytest.mark.django_db
DAY = 86400


def fts_hits(word: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM review_message_fts WHERE review_message_fts MATCH ?", [word]
        )
        return cursor.fetchone()[0]


def senders(tracker) -> set[str]:
    with sqlite3.connect(tracker.path) as db:
        return {r[0] for r in db.execute("SELECT DISTINCT sender_id FROM events")}


def test_old_conversations_go_everywhere_and_recent_ones_stay(tmp_path):
    tracker = Tracker(tmp_path / "tracker.db")
    tracker.turn("old", "zebra question", "action_answer_faq", "answer")
    tracker.clock += 200 * DAY
    tracker.turn("recent", "giraffe question", "action_answer_faq", "answer")
    Follower(tracker.path).catch_up()
    old = Message.objects.get(text="zebra question")
    Note.objects.create(
        conversation=Conversation.objects.get(name=old.conversation), text="called back"
    )
    now = tracker.clock + 1

    report = retention.run(tracker.path, days=180, now=now)

    assert senders(tracker) == {"recent"}
    assert not Message.objects.filter(text__contains="zebra").exists()
    assert Message.objects.filter(text="giraffe question").exists()
    assert Note.objects.count() == 0
    assert list(Conversation.objects.values_list("count", flat=True)) == [1]  # the recent one
    assert fts_hits("zebra") == 0 and fts_hits("giraffe") == 1
    assert report.conversations == 1 and report.events == 5 and report.messages == 2
    assert Entry.objects.filter(action="retention").exists()


def test_the_conversation_with_the_newest_event_stays_so_ids_never_repeat(tmp_path):
    tracker = Tracker(tmp_path / "tracker.db")
    tracker.turn("a", "old one", "action_answer_faq", "answer")
    tracker.turn("b", "old two", "action_answer_faq", "answer")
    Follower(tracker.path).catch_up()
    retention.run(tracker.path, days=1, now=tracker.clock + 10 * DAY)
    assert senders(tracker) == {"b"}
    tracker.turn("c", "new one", "action_answer_faq", "answer")
    Follower(tracker.path).catch_up()
    assert Message.objects.filter(text="new one").count() == 1


def test_the_days_come_from_the_clinic_file(tmp_path, monkeypatch):
    import shutil

    from bot import paths
    from tests.conftest import edit_yaml

    shutil.copytree(paths.CONTENT_DIR, tmp_path / "content")
    edit_yaml(tmp_path / "content" / "clinic.yml", lambda c: c.update(log_retention_days=30))
    monkeypatch.setattr(paths, "CONTENT_DIR", tmp_path / "content")
    assert retention.retention_days() == 30
    edit_yaml(tmp_path / "content" / "clinic.yml", lambda c: c.pop("log_retention_days"))
    assert retention.retention_days() == retention.DEFAULT_DAYS == 180


def test_a_tracker_locked_by_rasa_past_the_wait_deletes_nothing_and_says_so(tmp_path, monkeypatch):
    """Rasa holds a write transaction open for longer than retention waits: the
    command says so plainly and deletes nothing anywhere; the next run does it all."""
    import time

    from django.core.management import CommandError, call_command

    from bot.events import sqlite as sqlite_events
    from bot.servers.trouble_log import TroubleLog

    monkeypatch.setattr(sqlite_events, "DELETE_WAIT_S", 0.2)
    monkeypatch.setenv("HAIP_TRACKER_DB", str(tmp_path / "tracker.db"))
    tracker = Tracker(tmp_path / "tracker.db", wal=True)
    tracker.clock = time.time() - (retention.retention_days() + 30) * DAY
    tracker.turn("old", "zebra question", "action_answer_faq", "answer")
    TroubleLog(tmp_path / "trouble.db").record("old", "m-1")
    tracker.clock = time.time() - DAY
    tracker.turn("recent", "giraffe question", "action_answer_faq", "answer")
    Follower(tracker.path).catch_up()
    before = (senders(tracker), Message.objects.count(), Conversation.objects.count())

    with tracker.writing("recent", "one more question"):
        with pytest.raises(CommandError, match=r"Rasa's events were locked by another process "
                           r"\(database is locked\); nothing was deleted"):  # fmt: skip
            call_command("retention")
        assert (senders(tracker), Message.objects.count(), Conversation.objects.count()) == before
        assert len(TroubleLog(tmp_path / "trouble.db").after(0, 10)) == 1
        assert not Entry.objects.filter(action="retention").exists()

    call_command("retention")
    assert senders(tracker) == {"recent"}
    assert not Message.objects.filter(text__contains="zebra").exists()
    assert TroubleLog(tmp_path / "trouble.db").after(0, 10) == []
