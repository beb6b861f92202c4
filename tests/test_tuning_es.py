"""The Spanish tuning set (tests/tuning/spanish_questions.yml): our own questions,
on which Spanish thresholds and rules are chosen. It must stay apart from the
Spanish wild set, which measures them, and from the Spanish held-out set."""

import pytest

from tests.test_wild_set import INTENTS, ROOT, TOPIC_IDS, assert_held_out, load, normalise

TUNING = load(ROOT / "tests" / "tuning" / "spanish_questions.yml")
WILD_ES = [q["text"] for q in load(ROOT / "eval" / "wild_es" / "questions.yml")]


def test_form():
    assert len(TUNING) >= 80
    for question in TUNING:
        assert set(question) == {"text", "expect"}, question
        assert question["expect"], question
        assert set(question["expect"]) <= TOPIC_IDS | INTENTS, question
    texts = [normalise(q["text"]) for q in TUNING]
    assert len(set(texts)) == len(texts)


@pytest.mark.parametrize("question", TUNING, ids=lambda q: q["text"][:40])
def test_no_question_is_a_spanish_wild_question(question):
    assert_held_out(question["text"], WILD_ES)
