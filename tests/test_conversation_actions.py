"""Safety and conversation actions with rasa-sdk's real Tracker and CollectingDispatcher."""

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import conversation, replies
from bot.content.store import ContentStore

LATER_TURN = [{"event": "session_started"}, {"event": "bot", "text": "earlier"}]


@pytest.fixture(autouse=True)
def store(content_dir, monkeypatch):
    monkeypatch.setattr(replies, "STORE", ContentStore(content_dir))


def tracker(latest=None, events=LATER_TURN, slots=None, active_loop=None):
    latest = {"text": "x", "intent": {"name": "x"}, "entities": [], **(latest or {})}
    return Tracker(
        "patient-9", slots or {}, latest, events, False, None, active_loop or {}, "action_listen"
    )


def run(action, tracker_):
    dispatcher = CollectingDispatcher()
    events = action.run(dispatcher, tracker_, {})
    return [m["text"] for m in dispatcher.messages], dispatcher.messages, events


def red_flags(*ids):
    return {"entities": [{"entity": "red_flag", "value": i} for i in ids]}


def test_call_now_symptom_gives_the_24_hour_line():
    texts, _, events = run(conversation.ActionUrgentGuidance(), tracker(red_flags("fever_chills")))
    assert len(texts) == 1
    assert "a fever or chills" in texts[0] and "(555) 555-0199" in texts[0]
    assert {
        "event": "slot",
        "name": "staff_follow_up",
        "value": ["urgent_symptom"],
        "timestamp": None,
    } in events


def test_emergency_comes_before_the_24_hour_line():
    texts, _, _ = run(
        conversation.ActionUrgentGuidance(),
        tracker(red_flags("fever_chills", "chest_or_breathing")),
    )
    assert "911" in texts[0] and "chest pain" in texts[0]
    assert "(555) 555-0199" in texts[1] and "fever" in texts[1]


def test_urgent_guidance_comes_before_the_welcome_on_a_first_message():
    texts, _, _ = run(
        conversation.ActionUrgentGuidance(), tracker(red_flags("jaundice"), events=[])
    )
    assert "yellow skin or eyes" in texts[0]
    assert "computer program" in texts[1]


def test_nlu_only_urgent_gets_the_general_urgent_message():
    texts, _, _ = run(conversation.ActionUrgentGuidance(), tracker())
    assert "may need care right away" in texts[0] and "(555) 555-0199" in texts[0]


def test_medical_advice_never_instructs_and_gives_the_number():
    texts, _, events = run(conversation.ActionMedicalAdvice(), tracker())
    assert "can't tell you what to do" in texts[0]
    assert "(555) 555-0100" in texts[0] and "(555) 555-0199" in texts[0]
    assert events == []


def test_handoff_gives_numbers_and_hours_and_marks_the_chat():
    texts, _, events = run(
        conversation.ActionHandoff(), tracker(slots={"staff_follow_up": ["urgent_symptom"]})
    )
    assert "(555) 555-0100" in texts[0] and "Monday to Friday" in texts[0]
    assert events[0]["value"] == ["urgent_symptom", "asked_for_person"]


def test_not_sure_offers_the_closest_topics():
    ranking = [
        {"intent_response_key": f"faq/{t}", "confidence": c}
        for t, c in (("refills", 0.28), ("missed_refill", 0.2), ("mri", 0.1), ("sarcopenia", 0.06))
    ]
    latest = {"response_selector": {"faq": {"ranking": ranking}}}
    texts, messages, _ = run(conversation.ActionNotSure(), tracker(latest))
    assert "not sure" in texts[0]
    payloads = [b["payload"] for b in messages[0]["buttons"]]
    assert payloads == [
        '/faq{"topic": "refills"}',
        '/faq{"topic": "missed_refill"}',
        '/faq{"topic": "mri"}',
    ]


@pytest.mark.parametrize(
    "flag, words",
    [
        ("empty_message", "empty"),
        ("no_words", "emoji"),
        ("numbers_only", "only numbers"),
        ("other_language", "English"),
        ("too_long", "very long"),
    ],
)
def test_bad_input_gets_a_specific_polite_answer(flag, words):
    texts, _, _ = run(conversation.ActionNotSure(), tracker({"input_flags": [flag]}))
    assert words in texts[0]


def test_welcome_says_bot_education_911_and_offers_topics():
    texts, messages, _ = run(conversation.ActionWelcome(), tracker(events=[]))
    assert len(texts) == 1
    assert all(w in texts[0] for w in ("computer program", "medical advice", "911"))
    assert len(messages[0]["buttons"]) >= 3


def test_the_action_server_registers_every_domain_action():
    import yaml
    from rasa_sdk.executor import ActionExecutor

    executor = ActionExecutor()
    executor.register_package("actions")
    domain = yaml.safe_load(open("domain.yml"))
    # An action is a name, or {name: {send_domain: true}}.
    names = {a if isinstance(a, str) else next(iter(a)) for a in domain["actions"]}
    assert "validate_refill_form" in names and names <= set(executor.actions)


def symptom_question(topic, *ids):
    return {**red_flags(*ids), "symptom_question": {"topic": topic, "confidence": 0.8}}


def test_a_symptom_question_gets_the_urgent_line_then_its_topic():
    texts, messages, _ = run(
        conversation.ActionUrgentGuidance(),
        tracker(symptom_question("bile_duct_damage", "jaundice")),
    )
    assert len(texts) == 2
    assert "yellow skin or eyes" in texts[0] and "(555) 555-0199" in texts[0]
    assert "bile ducts" in texts[1] and "Sources:" in texts[1]
    assert messages[1]["buttons"], "the topic's follow-ups come with it"


def test_on_a_first_message_the_urgent_line_comes_first_then_topic_then_welcome():
    texts, _, _ = run(
        conversation.ActionUrgentGuidance(),
        tracker(symptom_question("bile_duct_damage", "jaundice"), events=[]),
    )
    assert "yellow skin or eyes" in texts[0]
    assert "bile ducts" in texts[1]
    assert "computer program" in texts[2]


def test_a_report_gets_the_urgent_message_alone():
    texts, _, _ = run(conversation.ActionUrgentGuidance(), tracker(red_flags("jaundice")))
    assert len(texts) == 1


def test_an_unknown_topic_after_a_symptom_is_left_out():
    texts, _, _ = run(
        conversation.ActionUrgentGuidance(), tracker(symptom_question("no_such_topic", "jaundice"))
    )
    assert len(texts) == 1


def test_spanish_urgent_guidance_is_in_spanish_with_the_24_hour_line_and_911():
    texts, _, _ = run(
        conversation.ActionUrgentGuidance(),
        tracker({**red_flags("fever_chills", "chest_or_breathing"), "language": "es"}),
    )
    assert texts[0].startswith("Usted mencionó dolor de pecho") and "911" in texts[0]
    assert "fiebre o escalofríos" in texts[1] and "(555) 555-0199" in texts[1]


def test_spanish_symptoms_are_joined_in_spanish():
    texts, _, _ = run(
        conversation.ActionUrgentGuidance(),
        tracker({**red_flags("fever_chills", "jaundice"), "language": "es"}),
    )
    assert "fiebre o escalofríos y " in texts[0]


def test_the_model_s_urgent_label_alone_in_spanish_gets_the_spanish_general_message():
    texts, _, _ = run(conversation.ActionUrgentGuidance(), tracker({"language": "es"}))
    assert texts[0].startswith("Lo que usted describe") and "911" in texts[0]


def test_urgent_guidance_in_a_language_the_red_flags_lack_is_in_english():
    texts, _, _ = run(
        conversation.ActionUrgentGuidance(), tracker({**red_flags("jaundice"), "language": "fr"})
    )
    assert texts[0].startswith("You mentioned yellow skin or eyes")


@pytest.mark.parametrize(
    "language, words",
    [
        ("fr", "appelez le 911"),
        ("zh", "请拨打 911"),
        ("ar", "911"),
    ],
)
def test_another_language_gets_the_numbers_and_911_in_that_language(language, words):
    texts, _, _ = run(
        conversation.ActionNotSure(),
        tracker({"input_flags": ["other_language"], "language": language}),
    )
    assert len(texts) == 1
    assert words in texts[0] and "(555) 555-0199" in texts[0] and "(555) 555-0100" in texts[0]


@pytest.mark.parametrize("language", [None, "th"])
def test_a_language_we_cannot_tell_gets_english_and_spanish(language):
    texts, _, _ = run(
        conversation.ActionNotSure(),
        tracker({"input_flags": ["other_language"], "language": language}),
    )
    assert len(texts) == 2
    assert "In an emergency, call 911" in texts[0] and "llame al 911" in texts[1]
    assert all("(555) 555-0199" in t for t in texts)
