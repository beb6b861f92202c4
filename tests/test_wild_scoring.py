"""How a wild-set reply is judged (bot/training/wild.py), on replies built from
the real content: the whole reply, not the intent."""

from bot.content import answers, loader
from bot.training import gates, wild
from bot.training.wild import NOT_SURE, RIGHT, WRONG, Question

CONTENT = loader.load_valid("content")


def faq_reply(topic_id, lead=None):
    reply = answers.answer(CONTENT, CONTENT.topics[topic_id], lead)
    return {"text": reply.text, "buttons": reply.buttons}


def not_sure_reply(*topic_ids):
    reply = answers.message(
        CONTENT, "not_sure", extra_buttons=[CONTENT.topics[t] for t in topic_ids]
    )
    return {"text": reply.text, "buttons": reply.buttons}


FAQ = {"intent": {"name": "faq"}}
QUESTION = Question("w1", "how long am i sore", ("recovery",))


def test_the_expected_answer_is_right_even_led_by_another_sentence():
    led = faq_reply("recovery", "Many people need 2 to 6 weeks off work.")
    assert wild.score(CONTENT, QUESTION, FAQ, [led]).outcome == RIGHT


def test_another_topic_s_answer_is_a_wrong_answer():
    scored = wild.score(CONTENT, QUESTION, FAQ, [faq_reply("refills")])
    assert scored.outcome == WRONG and scored.wrong_answer and scored.answered == ["refills"]


def test_not_sure_with_the_right_button_is_safe_and_without_it_is_wrong():
    parse = {"intent": {"name": "nlu_fallback"}}
    assert wild.score(CONTENT, QUESTION, parse, [not_sure_reply("recovery")]).outcome == NOT_SURE
    scored = wild.score(CONTENT, QUESTION, parse, [not_sure_reply("refills")])
    assert scored.outcome == WRONG and not scored.wrong_answer


def test_a_follow_up_button_under_a_wrong_answer_is_not_a_safe_not_sure():
    # hospital_stay's answer offers recovery as a follow-up button.
    assert wild.score(CONTENT, QUESTION, FAQ, [faq_reply("hospital_stay")]).outcome == WRONG


def test_an_expected_intent_is_right_with_a_reply():
    question = Question("w2", "how much fudr should i take", ("medical_advice",))
    parse = {"intent": {"name": "medical_advice"}}
    refusal = {"text": answers.message(CONTENT, "medical_advice").text}
    assert wild.score(CONTENT, question, parse, [refusal]).outcome == RIGHT
    assert wild.score(CONTENT, question, parse, []).outcome == WRONG


def test_an_urgent_question_needs_the_urgent_line_first():
    question = Question("w3", "fever after refill normal?", ("refills",), urgent=True)
    parse = {"intent": {"name": "urgent_symptom"}}
    urgent = {"text": "Call 911 now."}
    assert wild.score(CONTENT, question, parse, [urgent, faq_reply("refills")]).outcome == RIGHT
    assert wild.score(CONTENT, question, FAQ, [faq_reply("refills")]).outcome == WRONG


def test_the_frozen_set_loads():
    questions = wild.load()
    assert len(questions) >= 150 and sum(q.false_premise for q in questions) >= 30


def test_the_gates_fail_below_the_floor_and_above_the_ceiling():
    from bot.training import evaluate

    at_floor = {
        "right": gates.WILD_MIN_RIGHT,
        "wrong_answers": [{}] * 3,
        "false_premises_corrected": gates.WILD_MIN_PREMISES_CORRECTED,
    }
    assert evaluate.wild_failures(at_floor) == []
    below = {**at_floor, "right": gates.WILD_MIN_RIGHT - 0.01}
    assert "below" in evaluate.wild_failures(below)[0]
    too_many = {**at_floor, "wrong_answers": [{}] * (gates.WILD_MAX_WRONG_ANSWERS + 1)}
    assert "wrong topic's answer" in evaluate.wild_failures(too_many)[0]
    uncorrected = {
        **at_floor,
        "false_premises_corrected": gates.WILD_MIN_PREMISES_CORRECTED - 0.01,
    }
    assert "false premises" in evaluate.wild_failures(uncorrected)[0]


def test_the_spanish_red_flag_gate():
    from bot.training import evaluate

    passing = {"missed": [], "false_alarms": ["one"], "languages": {"es": 300}}
    assert evaluate.spanish_red_flag_failures(passing) == []
    failing = {"missed": ["x"], "false_alarms": ["a", "b"], "languages": {"es": 299, "en": 1}}
    failures = evaluate.spanish_red_flag_failures(failing)
    assert len(failures) == 3 and "not all es" in failures[2]


def test_the_spanish_wild_gates():
    from bot.training import evaluate

    at_floor = {"right": gates.WILD_ES_MIN_RIGHT, "wrong_answers": []}
    assert evaluate.spanish_wild_failures(at_floor) == []
    below = {**at_floor, "right": gates.WILD_ES_MIN_RIGHT - 0.01}
    assert "below" in evaluate.spanish_wild_failures(below)[0]
    wrong = {**at_floor, "wrong_answers": [{}] * (gates.WILD_ES_MAX_WRONG_ANSWERS + 1)}
    assert "wrong topic's answer" in evaluate.spanish_wild_failures(wrong)[0]
