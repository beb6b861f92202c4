"""Nurses review conversations: the inbox lists them, the most serious outcome
first, then the newest; status, assignment and notes are the conversation's,
a "wrong answer" mark is a message's; many are marked reviewed at once; the
live update and the migration from per-message review agree
(staff/review/conversations.py, views/inbox.py, migrations/0005)."""

import csv
import datetime as dt
import io
import itertools

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from staff.accounts import accounts, roles
from staff.audit.models import Entry
from staff.review import conversations
from staff.review.export import write_csv
from staff.review.follower import Follower
from staff.review.models import LAST, PRIORITY, Conversation, Message, Outcome
from tests.staff.tracker_events import Tracker

pytestmark = pytest.mark.django_db
START = dt.datetime(2025, 3, 9, 12, tzinfo=dt.timezone.utc)
_event = itertools.count(50_000)


@pytest.fixture
def nurse(client):
    client.force_login(accounts.add("nina", roles.NURSE, "a-long-passphrase-9"))
    return client


def said(name: str, text: str, outcome=Outcome.ANSWERED, minute: int = 0) -> Message:
    message = Message.objects.create(
        event_id=next(_event), time=START + dt.timedelta(minutes=minute), conversation=name,
        sender=Message.PATIENT, text=text, outcome=outcome, priority=PRIORITY.get(outcome, LAST),
    )  # fmt: skip
    conversations.refresh([name])
    return message


def exported() -> list[list[str]]:
    out = io.StringIO()
    write_csv(out)
    return list(csv.reader(io.StringIO(out.getvalue())))


def listed(nurse, query: str = "") -> list[str]:
    return [c.name for c in nurse.get("/" + query).context["page"]]


def test_the_most_serious_outcome_comes_first_then_the_newest(nurse):
    said("answered", "how often is a refill", minute=50)
    said("urgent", "I have a fever", Outcome.URGENT, minute=1)
    said("urgent", "thanks", minute=2)  # a later answer keeps the conversation urgent
    said("person", "can I talk to a nurse", Outcome.HANDOFF, minute=10)
    said("unsure", "what is a flow scan", Outcome.NOT_UNDERSTOOD, minute=20)
    said("urgent2", "my pump site is red", Outcome.URGENT, minute=5)
    assert listed(nurse) == ["urgent2", "urgent", "person", "unsure", "answered"]
    urgent = Conversation.objects.get(name="urgent")
    assert (urgent.outcome, urgent.count, urgent.lead.text) == ("urgent", 2, "I have a fever")
    assert urgent.last_time == START + dt.timedelta(minutes=2)


def test_a_long_message_is_cut_to_its_first_line_in_the_list(nurse):
    said("long", "first line of it\nsecond line")
    said("huge", "x" * 1_000_000)
    page = nurse.get("/").content.decode()
    assert "first line of it …" in page and "second line" not in page
    assert "x" * 159 + "…" in page and "x" * 160 not in page
    assert len(page) < 100_000


def test_filters_by_status_outcome_and_assignment(nurse):
    nina = User.objects.get(username="nina")
    nora = accounts.add("nora", roles.NURSE, "a-long-passphrase-9")
    said("mine", "I have a fever", Outcome.URGENT)
    said("mine", "what is a flow scan", Outcome.NOT_UNDERSTOOD, minute=1)
    said("hers", "can I swim", Outcome.NOT_UNDERSTOOD)
    said("free", "how often is a refill")
    Conversation.objects.filter(name="mine").update(assigned_to=nina, status="reviewed")
    Conversation.objects.filter(name="hers").update(assigned_to=nora)
    assert listed(nurse, "?assigned=me") == ["mine"]
    assert listed(nurse, "?assigned=nobody") == ["free"]
    assert listed(nurse, "?status=reviewed") == ["mine"]
    assert listed(nurse, "?status=new") == ["hers", "free"]
    # A conversation with a not-sure message, whatever its most serious outcome.
    assert listed(nurse, "?outcome=not_understood") == ["mine", "hers"]
    assert listed(nurse, "?outcome=not_understood&assigned=nobody") == []
    assert listed(nurse, "?q=swim") == ["hers"]


def test_many_conversations_are_marked_reviewed_at_once_one_audit_entry_each(nurse):
    for name in ("a", "b", "c"):
        said(name, f"question of {name}", Outcome.NOT_UNDERSTOOD)
    a, b, c = (Conversation.objects.get(name=n) for n in "abc")
    response = nurse.post(
        "/conversations/review/", {"conversations": [a.pk, b.pk], "query": "status=new"}
    )
    assert response.status_code == 302 and response["Location"] == "/?status=new"
    assert dict(Conversation.objects.values_list("name", "status")) == {
        "a": "reviewed", "b": "reviewed", "c": "new"
    }  # fmt: skip
    entries = Entry.objects.filter(action="reviewed conversation")
    assert sorted(entries.values_list("target", flat=True)) == ["a", "b"]
    assert all(e.username == "nina" and "question" not in e.detail for e in entries)
    # Nothing ticked: nothing changes, and the nurse is told.
    page = nurse.post("/conversations/review/", {"query": ""}, follow=True).content.decode()
    assert "Tick at least one conversation first." in page
    assert Conversation.objects.get(name="c").status == "new"


def test_the_conversation_page_reviews_assigns_and_notes_the_whole_conversation(nurse):
    fever = said("a", "I have a fever", Outcome.URGENT)
    scan = said("a", "what is a flow scan", Outcome.NOT_UNDERSTOOD, minute=1)
    a = Conversation.objects.get(name="a")
    page = nurse.get(f"/messages/{scan.pk}/").content.decode()
    assert "Review this conversation" in page and "Mark the whole conversation reviewed" in page
    nina = User.objects.get(username="nina")
    nurse.post(f"/conversations/{a.pk}/review/",
               {"status": "follow_up", "assigned_to": nina.pk, "note": "Call back at 3",
                "message": scan.pk})  # fmt: skip
    a.refresh_from_db()
    assert (a.status, a.assigned_to, a.notes.get().text) == ("follow_up", nina, "Call back at 3")
    # The note is on the page of each of its messages.
    assert "Call back at 3" in nurse.get(f"/messages/{fever.pk}/").content.decode()
    response = nurse.post(f"/conversations/{a.pk}/reviewed/", {"message": fever.pk})
    assert response["Location"] == f"/messages/{fever.pk}/"
    a.refresh_from_db()
    assert a.status == "reviewed"


def test_a_wrong_answer_is_marked_on_its_message_audited_and_exported(nurse):
    scan = said("a", "what is a flow scan")
    nurse.post(f"/messages/{scan.pk}/wrong-answer/", {"wrong": "on"})
    scan.refresh_from_db()
    assert scan.wrong_answer
    assert Entry.objects.filter(action="marked wrong answer", detail=f"message {scan.pk}").exists()
    row = next(r for r in exported() if r[3] == "what is a flow scan")
    assert row[8] == "new" and row[-1] == "yes"
    nurse.post(f"/messages/{scan.pk}/wrong-answer/", {})
    scan.refresh_from_db()
    assert not scan.wrong_answer


def test_a_reviewed_conversation_is_new_again_when_the_patient_writes_again(tmp_path):
    tracker = Tracker(tmp_path / "tracker.db")
    tracker.user("a", "/greet", intent="greet")
    tracker.turn("a", "what is a flow scan", "action_not_sure", "Not sure.", intent="nlu_fallback")
    Follower(tracker.path).catch_up()
    conversation = Conversation.objects.get()
    assert (conversation.count, conversation.outcome) == (1, "not_understood")
    conversation.status = "reviewed"
    conversation.save()
    tracker.turn("a", "I have a fever", "action_urgent_guidance", "Call.", intent="urgent")
    Follower(tracker.path).catch_up()
    conversation.refresh_from_db()
    assert (conversation.status, conversation.count, conversation.outcome) == (
        "new", 2, "urgent"
    )  # fmt: skip


def test_the_live_update_sends_changed_conversations_with_their_place(nurse):
    said("urgent", "I have a fever", Outcome.URGENT)
    old = said("quiet", "how often is a refill")
    newest = said("quiet", "and how long does it take", minute=30)
    data = nurse.get(f"/api/inbox/?after={old.pk}").json()
    assert data["newest"] == newest.pk and data["count"] == 1
    (row,) = data["conversations"]
    assert (row["priority"], row["count"], row["status"]) == (LAST, 2, "new")
    assert row["last"] == (START + dt.timedelta(minutes=30)).isoformat()
    # Under the page's filters: a conversation the page would not list is not sent.
    assert nurse.get(f"/api/inbox/?after={old.pk}&assigned=me").json()["conversations"] == []


@pytest.mark.django_db(transaction=True)
def test_the_migration_moves_review_state_to_conversations():
    executor = MigrationExecutor(connection)
    before = [("review", "0004_message_language")]
    executor.migrate(before)
    try:
        apps = executor.loader.project_state(before).apps
        User = apps.get_model("auth", "User")
        Message = apps.get_model("review", "Message")
        Note = apps.get_model("review", "Note")
        nina = User.objects.create(username="nina")
        long_name = "0123456789abcdefghij"
        rows = [  # conversation, status, assigned, outcome
            ("allreviewed", "reviewed", None, "answered"),
            ("allreviewed", "reviewed", nina, "urgent"),
            ("mixed", "reviewed", None, "answered"),
            ("mixed", "new", None, "not_understood"),
            ("followed", "follow_up", None, "handoff"),
            ("followed", "reviewed", None, "answered"),
            (long_name[:10], "reviewed", None, "answered"),  # the shorter name of before
            (long_name, "reviewed", None, "answered"),
        ]
        made = []
        for n, (name, status, assigned, outcome) in enumerate(rows):
            made.append(Message.objects.create(
                event_id=n + 1, time=START + dt.timedelta(minutes=n), conversation=name,
                sender="patient", text=f"zebra {n}", outcome=outcome, status=status,
                assigned_to=assigned, priority={"urgent": 0, "handoff": 1}.get(outcome, 4),
            ))  # fmt: skip
        Note.objects.create(message=made[2], author=nina, text="called")
        Note.objects.create(message=made[6], text="old name's note")

        executor = MigrationExecutor(connection)
        executor.migrate([("review", "0005_conversations")])
        apps = executor.loader.project_state([("review", "0005_conversations")]).apps
        Conversation = apps.get_model("review", "Conversation")
        got = {c.name: c for c in Conversation.objects.all()}
        assert {n: c.status for n, c in got.items()} == {
            "allreviewed": "reviewed", "mixed": "new", "followed": "follow_up",
            long_name: "reviewed",
        }  # fmt: skip
        assert got["allreviewed"].assigned_to_id == nina.pk
        assert (got["allreviewed"].outcome, got["allreviewed"].count) == ("urgent", 2)
        assert got["allreviewed"].lead_id == made[1].pk
        assert got["followed"].lead_id == made[4].pk
        assert [n.text for n in got["mixed"].notes.all()] == ["called"]
        assert [n.text for n in got[long_name].notes.all()] == ["old name's note"]
        assert got[long_name].count == 2
        with connection.cursor() as cursor:
            columns = {c.name for c in connection.introspection.get_table_description(
                cursor, "review_message")}  # fmt: skip
            cursor.execute("SELECT count(*) FROM review_message_fts WHERE text MATCH 'zebra'")
            assert cursor.fetchone()[0] == len(rows)  # the search index and its triggers stay
        assert "status" not in columns and "assigned_to_id" not in columns
        assert "wrong_answer" in columns
    finally:
        call_command("migrate", verbosity=0)
