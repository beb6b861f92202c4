"""The review log follows Rasa's events table: every patient message once, with
what the assistant did, masked, whatever the batch boundaries or crashes."""

import pytest

from staff.review import pseudonyms
from staff.review.follower import Follower
from staff.review.models import Message, Outcome
from tests.staff.tracker_events import Tracker

pytestmark = pytest.mark.django_db


@pytest.fixture
def tracker(tmp_path):
    return Tracker(tmp_path / "tracker.db")


def patient_messages():
    return list(Message.objects.filter(sender=Message.PATIENT).order_by("event_id"))


def test_each_turn_gets_its_outcome_topic_and_content_version(tracker):
    tracker.turn("a", "how long is the hospital stay", "action_answer_faq", "About 3 days.",
                 topic="hospital_stay")  # fmt: skip
    tracker.turn("a", "my pump site is red and hot", "action_urgent_guidance", "Call now.",
                 intent="urgent_symptom")  # fmt: skip
    tracker.turn("a", "asdf qwer", "action_not_sure", "I am not sure.", intent="nlu_fallback")
    tracker.turn("a", "can i talk to a nurse", "action_handoff", "Call us.", intent="handoff")
    tracker.turn("a", "should i stop my chemo", "action_medical_advice", "Ask your team.",
                 intent="medical_advice")  # fmt: skip
    tracker.turn("a", "remind me of my refill", "action_ask_refill_date", "When?",
                 intent="set_reminder")  # fmt: skip
    Follower(tracker.path).catch_up()
    got = [(m.text, m.outcome, m.topic) for m in patient_messages()]
    assert got == [
        ("how long is the hospital stay", Outcome.ANSWERED, "hospital_stay"),
        ("my pump site is red and hot", Outcome.URGENT, ""),
        ("asdf qwer", Outcome.NOT_UNDERSTOOD, ""),
        ("can i talk to a nurse", Outcome.HANDOFF, ""),
        ("should i stop my chemo", Outcome.MEDICAL_ADVICE, ""),
        ("remind me of my refill", Outcome.REMINDER, ""),
    ]
    first = patient_messages()[0]
    assert first.content_version == "abc123def456"
    assert first.confidence == pytest.approx(0.91)
    assert first.conversation == pseudonyms.of("a") != "a"
    assert Message.objects.filter(sender=Message.ASSISTANT).count() == 6


def test_urgent_guidance_wins_over_the_answer_that_follows_it(tracker):
    tracker.user("a", "what are the signs of bile duct damage like yellow skin")
    tracker.action("a", "action_urgent_guidance")
    tracker.bot("a", "Call your care team now.")
    tracker.action("a", "action_answer_faq")
    Follower(tracker.path).catch_up()
    assert patient_messages()[0].outcome == Outcome.URGENT


def test_identifiers_are_masked_and_the_original_stays_only_in_rasa(tracker):
    tracker.turn("a", "my name is Jane Doe, call me at (555) 123-4567", "action_handoff", "OK.")
    Follower(tracker.path).catch_up()
    text = patient_messages()[0].text
    assert "Jane" not in text and "123-4567" not in text
    assert "[name]" in text and "[phone]" in text


@pytest.mark.parametrize("batch", [1, 2, 3, 7])
def test_any_batch_boundary_gives_the_same_log(tracker, batch):
    for n in range(4):
        tracker.turn(f"s{n % 2}", f"question {n}", "action_answer_faq", f"answer {n}",
                     topic="refills")  # fmt: skip
    follower = Follower(tracker.path)
    while follower.follow_once(limit=batch):
        pass
    got = [(m.text, m.outcome, m.content_version) for m in patient_messages()]
    assert got == [(f"question {n}", Outcome.ANSWERED, "abc123def456") for n in range(4)]


def test_a_crash_mid_batch_writes_nothing_and_the_next_run_writes_each_once(tracker, monkeypatch):
    for n in range(3):
        tracker.turn("a", f"question {n}", "action_answer_faq", f"answer {n}")
    follower = Follower(tracker.path)
    calls = {"n": 0}
    real_apply = follower._apply

    def failing(row, changed):
        calls["n"] += 1
        if calls["n"] == 9:
            raise OSError("disk full")
        real_apply(row, changed)

    monkeypatch.setattr(follower, "_apply", failing)
    with pytest.raises(OSError):
        follower.follow_once()
    assert Message.objects.count() == 0 and follower.position() == 0
    monkeypatch.undo()
    Follower(tracker.path).catch_up()
    Follower(tracker.path).catch_up()  # a second run finds nothing new
    assert [m.text for m in patient_messages()] == [f"question {n}" for n in range(3)]
    assert Message.objects.filter(sender=Message.ASSISTANT).count() == 3


def test_messages_written_while_it_was_down_are_caught_up(tracker):
    tracker.turn("a", "first", "action_answer_faq", "one")
    Follower(tracker.path).catch_up()
    for n in range(600):  # more than one batch
        tracker.user(f"p{n}", f"later {n}")
    Follower(tracker.path).catch_up()
    assert len(patient_messages()) == 601


def test_a_reminder_is_not_a_patient_message(tracker):
    tracker.turn("a", "remind me", "action_set_reminder", "I will remind you.")
    tracker.external("a")
    tracker.action("a", "action_refill_reminder")
    tracker.bot("a", "Your refill is tomorrow.")
    Follower(tracker.path).catch_up()
    assert [m.text for m in patient_messages()] == ["remind me"]
    assert patient_messages()[0].outcome == Outcome.REMINDER
    system = Message.objects.get(sender=Message.SYSTEM)
    assert system.outcome == Outcome.REMINDER


def test_no_tracker_file_yet_is_not_an_error(tmp_path):
    assert Follower(tmp_path / "missing.db").follow_once() == 0
    (tmp_path / "empty.db").touch()
    assert Follower(tmp_path / "empty.db").follow_once() == 0


def test_only_faq_and_not_sure_turns_carry_the_models_topic(tracker):
    tracker.turn("a", "can I talk to a nurse", "action_handoff", "Call us.", intent="handoff",
                 topic="activity_after_surgery")  # fmt: skip
    tracker.turn("a", "pump scar and my dog", "action_not_sure", "Not sure.",
                 intent="nlu_fallback", topic="catheter_pocket_problems")  # fmt: skip
    Follower(tracker.path).catch_up()
    assert [m.topic for m in patient_messages()] == ["", "catheter_pocket_problems"]


def test_scaled_out_a_batch_waits_at_a_missing_id_until_it_has_been_missing_long(tmp_path):
    """Two Rasa servers take ids from one PostgreSQL sequence and may commit them
    out of order: event 3 can be visible before event 2."""
    from staff.review.follower import GAP_WAIT_S

    follower = Follower(tmp_path / "unused.db")
    rows = [(1,), (3,), (4,)]
    assert follower.settled(rows, after=0, now=100.0) == [(1,)]
    assert follower.settled(rows[1:], after=1, now=100.0 + GAP_WAIT_S / 2) == []
    # Still missing after GAP_WAIT_S: a rolled-back insert, gone for good.
    assert follower.settled(rows[1:], after=1, now=100.0 + GAP_WAIT_S) == [(3,), (4,)]
    assert follower.settled([(5,), (6,)], after=4, now=500.0) == [(5,), (6,)]
    # A late commit that fills the gap in time is read in order.
    assert follower.settled([(8,)], after=6, now=600.0) == []
    assert follower.settled([(7,), (8,)], after=6, now=601.0) == [(7,), (8,)]


def test_each_patient_message_keeps_the_language_it_was_read_in(tracker):
    tracker.user("es", "tengo fiebre y escalofríos desde ayer", intent="urgent_symptom",
                 language="es")  # fmt: skip
    tracker.user("en", "how long is the hospital stay", language="en")
    tracker.user("short", "ok", language=None)
    # Whatever a client put in the parse data, only a known code is kept.
    tracker.user("odd", "hello", language="<script>x</script>")
    Follower(tracker.path).catch_up()
    assert [m.language for m in patient_messages()] == ["es", "en", "", ""]
    assert patient_messages()[0].language_name == "Español"


def test_a_trouble_message_in_the_trouble_log_marks_its_patient_message(tracker, monkeypatch):
    from bot.servers.trouble_log import TroubleLog

    monkeypatch.delenv("HAIP_TROUBLE_DB", raising=False)
    parse = {"intent": {"name": "faq", "confidence": 0.9}, "entities": []}
    event = {"text": "how long is the stay", "message_id": "m-1", "parse_data": parse}
    tracker._add("t", "user", event, intent="faq")
    tracker.user("t", "and the pump?")
    # As the Rasa server records it: the log's own file beside the tracker file.
    TroubleLog.from_settings(tracker_db=tracker.path).record("t", "m-1")
    Follower(tracker.path).catch_up()
    assert [m.outcome for m in patient_messages()] == [Outcome.TROUBLE, Outcome.PENDING]


def test_a_tracker_file_locked_by_a_writer_is_waited_out_and_each_message_logged_once(
    tmp_path, monkeypatch, caplog
):
    """Rasa holds its file (an exclusive lock, in the rollback mode older files
    have) for longer than a round waits: the round fails, is logged by its
    error's type and tried again; once Rasa commits, its message is logged once."""
    from bot import sqlite_files

    monkeypatch.setattr(sqlite_files, "READ_WAIT_S", 0.2)
    tracker = Tracker(tmp_path / "tracker.db")
    tracker.turn("a", "how long is the hospital stay", "action_answer_faq", "About 3 days.")
    follower = Follower(tracker.path)
    follower.catch_up()
    rounds = iter(range(3))

    with tracker.writing("a", "and the pump?", lock="EXCLUSIVE"):
        follower.run(0.01, stop=lambda: next(rounds, None) is None)
        assert [m.text for m in patient_messages()] == ["how long is the hospital stay"]
    assert caplog.text.count("Review log: a round failed (Busy); retrying") == 3

    assert follower.catch_up() == 1 and follower.catch_up() == 0
    assert [m.text for m in patient_messages()] == ["how long is the hospital stay",
                                                   "and the pump?"]  # fmt: skip
