import os

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import faq, replies
from bot.content.store import ContentStore
from tests.conftest import edit_yaml

NOT_FIRST_TURN = [{"event": "session_started"}, {"event": "bot", "text": "earlier reply"}]


def tracker_for(topic=None, entity_topic=None, text="hi", events=NOT_FIRST_TURN):
    latest = {"text": text, "intent": {"name": "faq", "confidence": 0.99}, "entities": []}
    if topic:
        latest["response_selector"] = {
            "faq": {"response": {"intent_response_key": f"faq/{topic}", "confidence": 0.97}}
        }
    if entity_topic:
        latest["entities"] = [{"entity": "topic", "value": entity_topic}]
    return Tracker("patient-1", {}, latest, events, False, None, {}, "action_listen")


@pytest.fixture
def store(content_dir, monkeypatch):
    store = ContentStore(content_dir)
    monkeypatch.setattr(replies, "STORE", store)
    return store


def run_action(tracker):
    dispatcher = CollectingDispatcher()
    events = faq.ActionAnswerFaq().run(dispatcher, tracker, {})
    assert events == []
    assert len(dispatcher.messages) == 1
    return dispatcher.messages[0]


def test_answers_the_selected_topic_with_clinic_values_and_sources(store):
    message = run_action(tracker_for(topic="hospital_stay"))
    assert "about 3 days" in message["text"]
    assert "a day or two longer" in message["text"]
    assert "{" not in message["text"]
    assert "Johns Hopkins" in message["text"] and "https://" in message["text"]
    assert [b["payload"] for b in message["buttons"]] == [
        '/faq{"topic": "recovery"}',
        '/faq{"topic": "placement_surgery"}',
    ]


def test_a_button_topic_wins_over_the_model(store):
    message = run_action(tracker_for(topic="hospital_stay", entity_topic="refills"))
    assert "every 14 days" in message["text"]


def test_unknown_topic_gets_a_polite_answer_with_the_phone(store):
    message = run_action(tracker_for(topic="no_such_topic"))
    assert "(555) 555-0100" in message["text"] and "911" in message["text"]


def test_the_answer_says_which_topic_it_answered_for_the_review_log(store):
    assert run_action(tracker_for(topic="hospital_stay"))["answered_topic"] == "hospital_stay"
    assert run_action(tracker_for(entity_topic="=HYPERLINK(1)"))["answered_topic"] == ""
    dispatcher = CollectingDispatcher()
    faq.ActionAnswerFaq().run(dispatcher, tracker_for(topic="mri", events=[]), {})
    welcome, answer = dispatcher.messages
    assert "answered_topic" not in welcome and answer["answered_topic"] == "mri"


def _touch_later(path):
    # File times can be coarse; make sure the store sees a new one.
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))


def test_answer_edit_is_live_without_restart(store, content_dir):
    assert "about 3 days" in run_action(tracker_for(topic="hospital_stay"))["text"]
    edit_yaml(content_dir / "clinic.yml", lambda d: d.update(hospital_stay="about 4 days"))
    _touch_later(content_dir / "clinic.yml")
    assert "about 4 days" in run_action(tracker_for(topic="hospital_stay"))["text"]


def test_broken_edit_keeps_the_last_good_content(store, content_dir, caplog):
    run_action(tracker_for(topic="mri"))
    (content_dir / "topics/mri.yml").write_text("id: mri\nanswer: [broken\n")
    _touch_later(content_dir / "topics/mri.yml")
    message = run_action(tracker_for(topic="mri"))
    assert "MRI" in message["text"]
    assert "content/topics/mri.yml" in caplog.text


def test_no_valid_content_at_all(content_dir, monkeypatch):
    (content_dir / "clinic.yml").write_text("clinic_name: [")
    monkeypatch.setattr(replies, "STORE", ContentStore(content_dir))
    message = run_action(tracker_for(topic="mri"))
    assert "call your care team" in message["text"] and "911" in message["text"]


def test_first_turn_starts_with_the_welcome(store):
    dispatcher = CollectingDispatcher()
    faq.ActionAnswerFaq().run(dispatcher, tracker_for(topic="mri", events=[]), {})
    texts = [m["text"] for m in dispatcher.messages]
    assert len(texts) == 2
    assert "computer program" in texts[0] and "911" in texts[0]
    assert "MRI" in texts[1]


def test_the_content_signature_covers_the_files_rglob_finds(content_dir):
    store = ContentStore(content_dir)
    signature = store._current_signature()
    assert [entry[0] for entry in signature] == sorted(map(str, content_dir.rglob("*.yml")))
    assert all(entry[2] == os.stat(entry[0]).st_size for entry in signature)
    (content_dir / "topics" / "new_topic.yml").write_text("id: new_topic\n")
    added = store._current_signature()
    assert len(added) == len(signature) + 1
    _touch_later(content_dir / "clinic.yml")
    assert store._current_signature() != added
    (content_dir / "topics" / "new_topic.yml").unlink()
    assert store._current_signature() != added


def with_lead(tracker, topic, sentence):
    tracker.latest_message["answer_lead"] = {"topic": topic, "sentence": sentence}
    return tracker


WORK = "Many people need 2 to 6 weeks off work."


def test_the_sentence_that_answers_leads_the_answer(store):
    text = run_action(with_lead(tracker_for(topic="recovery"), "recovery", WORK))["text"]
    assert text.startswith(WORK + "\n\n")
    whole = run_action(tracker_for(topic="recovery"))["text"]
    # The same sentences, each once, and the sources line last.
    assert sorted(text.split()) == sorted(whole.split())
    assert text.count(WORK) == 1 and text.splitlines()[-1].startswith("Source")


def test_no_lead_from_another_topic_a_button_or_an_edited_answer(store, content_dir):
    plain = run_action(tracker_for(topic="recovery"))["text"]
    assert run_action(with_lead(tracker_for(topic="recovery"), "refills", WORK))["text"] == plain
    tapped = with_lead(tracker_for(topic="recovery", entity_topic="recovery"), "recovery", WORK)
    assert run_action(tapped)["text"] == plain
    gone = "A sentence the answer no longer has."
    assert run_action(with_lead(tracker_for(topic="recovery"), "recovery", gone))["text"] == plain


def with_belief(tracker, topic, number):
    tracker.latest_message["false_belief"] = {"topic": topic, "belief": number}
    return tracker


def test_a_false_belief_is_corrected_first_then_the_answer(store):
    text = run_action(with_belief(tracker_for(topic="refills"), "refills", 0))["text"]
    correction = "Only trained infusion nurses should fill or use your pump."
    assert text.startswith(correction + "\n\n")
    plain = run_action(tracker_for(topic="refills"))["text"]
    # The rest is the plain answer, less the sentence the correction already said.
    assert text.removeprefix(correction + "\n\n") == plain.replace(" " + correction, "")
    assert text.count(correction) == 1 and plain.count(correction) == 1


def test_no_correction_for_another_topic_s_belief_a_button_or_a_missing_belief(store):
    plain = run_action(tracker_for(topic="refills"))["text"]
    assert run_action(with_belief(tracker_for(topic="refills"), "mri", 0))["text"] == plain
    tapped = with_belief(tracker_for(topic="refills", entity_topic="refills"), "refills", 0)
    assert run_action(tapped)["text"] == plain
    assert run_action(with_belief(tracker_for(topic="refills"), "refills", 7))["text"] == plain
