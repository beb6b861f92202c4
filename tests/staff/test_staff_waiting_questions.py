"""Questions waiting for an answer: the not-sure questions of the review log,
grouped by similarity for editors, who make a new topic or add examples from
them (staff/review/waiting.py, staff/editor/views/waiting.py)."""

import datetime as dt
import itertools

import pytest

from bot.content import loader
from staff.audit.models import Entry
from staff.editor.models import Approval, Draft
from staff.review import waiting
from staff.review.models import Message, Outcome
from tests.staff.workspace import signed_in_client

pytestmark = pytest.mark.django_db
START = dt.datetime(2025, 3, 9, 12, tzinfo=dt.timezone.utc)
_event = itertools.count(70_000)
ASKED = [
    "can I swim with the pump",
    "is swimming ok with my pump",
    "can i go swimming in a pool",
    "can I swim with the pump",  # the same words again
    "tengo fiebre y dolor",
    "fiebre alta",
    "what is the weather today",
]


def asked(text: str, outcome=Outcome.NOT_UNDERSTOOD) -> Message:
    return Message.objects.create(
        event_id=next(_event), time=START + dt.timedelta(minutes=next(_event) % 1000),
        conversation=f"c{next(_event)}", sender=Message.PATIENT, text=text, outcome=outcome,
    )  # fmt: skip


@pytest.fixture
def questions(content):
    asked("how often is a refill", Outcome.ANSWERED)  # answered: not waiting
    return [asked(text) for text in ASKED]


def test_similar_questions_are_grouped_the_most_asked_first(questions):
    groups = waiting.grouped(waiting.questions())
    shown = [sorted(q.text for q in g.questions) for g in groups]
    assert shown == [
        ["can I swim with the pump", "can i go swimming in a pool", "is swimming ok with my pump"],
        ["fiebre alta", "tengo fiebre y dolor"],
        ["what is the weather today"],
    ]
    assert [g.asked for g in groups] == [4, 2, 1]
    assert groups[0].questions[0].text == "can I swim with the pump"  # asked twice: first


def test_a_question_that_is_already_an_example_is_not_waiting(questions, content):
    example = loader.load(content).topics["refills"].examples[0]
    asked(example.upper())
    texts = {q.text for q in waiting.questions()}
    assert example.upper() not in texts and "fiebre alta" in texts


def test_editors_see_the_list_audited_and_nurses_do_not(questions, editor, client):
    page = editor.get("/content/waiting/").content.decode()
    assert "Questions waiting for an answer" in page and "is swimming ok with my pump" in page
    assert "how often is a refill" not in page
    assert "Group 1: 3 questions, asked 4 times" in page
    entry = Entry.objects.get(action="viewed questions waiting for an answer")
    assert entry.username == "eddie" and "swim" not in entry.detail
    nurse = signed_in_client("nina", "nurse")
    assert nurse.get("/content/waiting/").status_code == 403


def test_a_new_topic_starts_with_the_groups_questions_as_its_examples(questions, editor):
    swim = [m for m in questions if "swim" in m.text]
    query = "&".join(f"from={m.pk}" for m in swim)
    page = editor.get(f"/content/new/?{query}").content.decode()
    examples = page.split('name="examples"', 1)[1].split("</textarea>", 1)[0]
    assert examples.count("swim") == 3  # the repeated question once
    assert "fiebre" not in examples


def test_questions_added_as_examples_leave_the_list(questions, editor, content):
    swim = [m for m in questions if "swim" in m.text]
    response = editor.post(
        "/content/waiting/examples/", {"topic": "what_is_pump", "questions": [swim[0].pk]}
    )
    assert response.status_code == 302
    examples = loader.load(content).topics["what_is_pump"].examples
    assert "can I swim with the pump" in examples
    texts = {q.text for q in waiting.questions()}
    assert "can I swim with the pump" not in texts and "is swimming ok with my pump" in texts
    assert Message.objects.filter(corrected_topic="what_is_pump").count() == 2  # asked twice


def test_with_approval_on_each_question_waits_as_an_example_draft(questions, editor, content):
    Approval.objects.create(require_approval=True)
    fever = [m.pk for m in questions if "fiebre" in m.text]
    editor.post("/content/waiting/examples/", {"topic": "what_is_pump", "questions": fever})
    drafts = Draft.objects.filter(kind=Draft.EXAMPLE, topic_id="what_is_pump")
    assert sorted(d.fields["question"] for d in drafts) == ["fiebre alta", "tengo fiebre y dolor"]
    examples = loader.load(content).topics["what_is_pump"].examples
    assert "fiebre alta" not in examples  # not until a second person approves
