"""Conversation pseudonyms are long enough that two conversations practically
never share one, and a conversation stored under the shorter name of before
keeps its rows (staff/review/pseudonyms.py)."""

import re

import pytest
from django.urls import reverse

from staff.accounts import accounts, roles
from staff.review import pseudonyms, retention, stats
from staff.review.follower import Follower
from staff.review.models import Message
from tests.staff.tracker_events import Tracker

pytestmark = pytest.mark.django_db
DAY = 86400


def test_a_pseudonym_has_80_bits():
    names = {pseudonyms.of(f"sender-{n}") for n in range(1000)}
    assert len(names) == 1000
    assert all(re.fullmatch(r"[0-9a-f]{20}", name) for name in names)
    assert Message._meta.get_field("conversation").max_length >= 20


@pytest.fixture
def upgraded(tmp_path, monkeypatch):
    """One conversation: a turn logged under the old 10-character name, then one
    under the new name."""
    tracker = Tracker(tmp_path / "tracker.db")
    with monkeypatch.context() as old:
        old.setattr(pseudonyms, "LENGTH", pseudonyms.LEGACY_LENGTH)
        tracker.turn("patient-a", "zebra question", "action_answer_faq", "zebra answer")
        Follower(tracker.path).catch_up()
    tracker.clock += 200 * DAY
    tracker.turn("patient-a", "giraffe question", "action_answer_faq", "giraffe answer")
    Follower(tracker.path).catch_up()
    return tracker


def test_a_conversation_keeps_its_rows_stored_under_the_old_name(upgraded, client):
    name = pseudonyms.of("patient-a")
    old = Message.objects.get(sender=Message.PATIENT, text="zebra question")
    new = Message.objects.get(sender=Message.PATIENT, text="giraffe question")
    assert (old.conversation, new.conversation) == (name[:10], name)
    # The new turn's reply joined the new turn, not the old one.
    assert Message.objects.get(text="giraffe answer").conversation == name
    client.force_login(accounts.add("nina", roles.NURSE, "a-long-passphrase-9"))
    for message in (old, new):
        page = client.get(reverse("review:conversation", args=[message.pk])).content.decode()
        assert "zebra question" in page and "giraffe question" in page
    assert stats.latest_patient_message([name]) == {name: new.pk}


def test_retention_keeps_old_rows_of_a_live_conversation_and_deletes_both_when_it_goes(
    upgraded,
):
    retention.run(upgraded.path, days=180, now=upgraded.clock + 1)
    assert Message.objects.filter(text__in=["zebra question", "giraffe question"]).count() == 2
    retention.run(upgraded.path, days=1, now=upgraded.clock + 10 * DAY)
    assert not Message.objects.filter(text__contains="question").exists()
