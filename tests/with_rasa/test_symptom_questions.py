"""Questions about a symptom are told from reports, and get a related topic only."""

import pytest
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.symptom_questions import SYMPTOM_QUESTION, is_question, topic_asked
from bot.rasa.components import InputGuard, SafetyRouter


@pytest.mark.parametrize(
    "text",
    [
        "what are the warning signs of bile duct damage, like yellow skin?",
        "is it normal to have a fever after a refill?",
        "Does dark urine mean my bile ducts are damaged",
        "fever after a refill normal?",
        "how long is the hospital stay, also I have a fever right now",
    ],
)
def test_questions(text):
    assert is_question(text)


@pytest.mark.parametrize(
    "text",
    [
        "I have a fever",
        "I have a fever, is that normal?",
        "my pump hurts?",
        "i’m itching and my pee is dark",
        "fever since last night",
        "",
    ],
)
def test_reports(text):
    assert not is_question(text)


def ranking(*pairs):
    return [{"intent_response_key": f"faq/{t}", "confidence": c} for t, c in pairs]


def test_the_best_listed_topic_is_chosen():
    asked = topic_asked(
        "can the chemo make my eyes yellow?",
        ranking(("hair_loss", 0.3), ("bile_duct_damage", 0.2)),
        {"bile_duct_damage", "side_effects"},
        0.1,
        0.9,
    )
    assert asked == {"topic": "bile_duct_damage", "confidence": 0.2}


def test_an_unlisted_topic_needs_to_be_very_sure():
    question = "what if I can't keep anything down on pump chemo?"
    listed = {"side_effects"}
    assert topic_asked(question, ranking(("maintenance_fills", 0.75)), listed, 0.1, 0.9) is None
    assert topic_asked(question, ranking(("hospital_stay", 0.94)), listed, 0.1, 0.9) == {
        "topic": "hospital_stay",
        "confidence": 0.94,
    }


def test_a_listed_topic_below_the_minimum_and_a_report_get_none():
    assert (
        topic_asked("is it bad?", ranking(("side_effects", 0.05)), {"side_effects"}, 0.1, 0.9)
        is None
    )
    assert (
        topic_asked("I have a fever", ranking(("side_effects", 0.9)), {"side_effects"}, 0.1, 0.9)
        is None
    )


def route(text, topic, confidence):
    """InputGuard and SafetyRouter around a classifier result that ranks one topic."""
    message = InputGuard().process([Message(data={TEXT: text})])[0]
    message.set("intent", {"name": "faq", "confidence": confidence})
    message.set("intent_ranking", [{"name": "faq", "confidence": confidence}])
    message.set(
        "response_selector",
        {"faq": {"ranking": ranking((topic, confidence)), "response": {}}},
    )
    router = SafetyRouter({"fallback_threshold": 0.4})
    return router.process([message])[0]


def test_router_keeps_urgent_first_and_names_the_topic_of_a_question():
    message = route(
        "what are the warning signs of bile duct damage, like yellow skin?", "bile_duct_damage", 0.6
    )
    assert message.get("intent")["name"] == "urgent_symptom"
    assert message.get(SYMPTOM_QUESTION) == {"topic": "bile_duct_damage", "confidence": 0.6}


def test_router_gives_a_report_no_topic():
    message = route("I have yellow skin", "bile_duct_damage", 0.6)
    assert message.get("intent")["name"] == "urgent_symptom"
    assert message.get(SYMPTOM_QUESTION) is None


def test_router_gives_no_unrelated_topic():
    message = route("what if I can't keep anything down on pump chemo?", "maintenance_fills", 0.75)
    assert message.get("intent")["name"] == "urgent_symptom"
    assert message.get(SYMPTOM_QUESTION) is None


def test_a_topic_below_its_own_threshold_falls_back():
    """The classifier's per-topic threshold (config.yml: outcomes 0.65) sets
    nlu_fallback; a local name once shadowed the intents module here and crashed."""
    import numpy as np

    from bot.rasa.components import IntentAndTopicClassifier

    classifier = IntentAndTopicClassifier({"topic_thresholds": {"outcomes": 0.65}}, None, None)
    fitted = type("Fake", (), {"classes_": np.array(["faq/outcomes", "greet"])})()
    message = Message(data={TEXT: "how long will i live"})
    classifier._predict(message, [0.6, 0.4], fitted)
    assert message.get("intent")["name"] == "nlu_fallback"


@pytest.mark.parametrize(
    "text, read_as",
    [
        ("anna.patient@example.org", "human_handoff"),
        ("nurse.joy@example.org", "human_handoff"),
        ("human@example.org", "human_handoff"),
        ("stop.smoking@example.org", "stop_contact"),
        ("(202) 555-0143", "cancel_reminder"),
    ],
)
def test_an_address_alone_is_never_a_request_for_a_person_or_a_stop(text, read_as):
    message = InputGuard().process([Message(data={TEXT: text})])[0]
    message.set("intent", {"name": read_as, "confidence": 0.9})
    message.set("intent_ranking", [{"name": read_as, "confidence": 0.9}])
    routed = SafetyRouter({"fallback_threshold": 0.4}).process([message])[0]
    assert routed.get("intent")["name"] == "out_of_scope"


@pytest.mark.parametrize(
    "text", ["I want to talk to a nurse", "stop", "email the nurse at joy@example.org please"]
)
def test_words_around_an_address_keep_their_meaning(text):
    message = InputGuard().process([Message(data={TEXT: text})])[0]
    message.set("intent", {"name": "human_handoff", "confidence": 0.9})
    message.set("intent_ranking", [{"name": "human_handoff", "confidence": 0.9}])
    routed = SafetyRouter({"fallback_threshold": 0.4}).process([message])[0]
    assert routed.get("intent")["name"] == "human_handoff"
