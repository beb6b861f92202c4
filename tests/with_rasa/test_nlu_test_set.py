"""The held-out NLU test set is big enough, covers every topic, and is really held out."""

from collections import Counter
from pathlib import Path

from rasa.shared.nlu.training_data.loading import load_data

from bot.content import loader
from bot.content.loader import normalise_example
from bot.training import evaluate


def test_size_and_coverage():
    examples = evaluate.load_test_set()
    per_label = Counter(e.label for e in examples)
    topics = loader.load_valid("content").topics
    assert len(examples) >= 200
    for topic in topics:
        assert per_label[f"faq/{topic}"] >= 6, topic


def test_no_test_phrasing_is_used_in_training():
    topics = loader.load_valid("content").topics.values()
    training = {normalise_example(e) for t in topics for e in t.examples}
    # The retrieval also learns each false belief and the questions that carry it.
    training |= {normalise_example(e) for t in topics for m in t.myths for e in m.examples}
    for path in Path("data/nlu").glob("*.yml"):
        if path.name != "faq.yml":
            training |= {
                normalise_example(m.get("text")) for m in load_data(str(path)).intent_examples
            }
    leaked = [e.text for e in evaluate.load_test_set() if normalise_example(e.text) in training]
    assert leaked == []


def test_label_of_uses_the_response_selector_for_faq():
    parse = {
        "intent": {"name": "faq", "confidence": 0.99},
        "response_selector": {
            "faq": {"response": {"intent_response_key": "faq/refills", "confidence": 0.42}}
        },
    }
    assert evaluate.label_of(parse) == ("faq/refills", 0.42)
    assert evaluate.label_of({"intent": {"name": "greet", "confidence": 0.9}}) == ("greet", 0.9)


def test_no_symptom_question_is_used_in_training():
    training = {
        normalise_example(e)
        for t in loader.load_valid("content").topics.values()
        for e in t.examples
    } | {normalise_example(e) for e in loader.load_valid("content").red_flags.examples}
    asked = [q.text for q in evaluate.load_symptom_questions()]
    assert len(asked) >= 15
    assert [q for q in asked if normalise_example(q) in training] == []
