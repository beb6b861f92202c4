"""The Spanish wild set (eval/wild_es/): written by eval/wild/PROTOCOL.md's rules
from Spanish-language pages, frozen before it was first scored, and held out: no
question is a training or held-out example in any language.

How it was written: eval/wild_es/PROTOCOL.md."""

from urllib.parse import urlparse

import pytest

from tests.test_wild_set import (
    CONTENT_SOURCES,
    INTENTS,
    ROOT,
    TOPIC_IDS,
    TOPICS,
    assert_held_out,
    load,
    nlu_examples,
    normalise,
    training_examples,
)

WILD = ROOT / "eval" / "wild_es"
QUESTIONS = load(WILD / "questions.yml")
SOURCES = load(WILD / "sources.yml")
PROTOCOL = (WILD / "PROTOCOL.md").read_text(encoding="utf-8")


def spanish_examples() -> list[str]:
    translated = [
        e
        for t in TOPICS
        for e in ((t.get("translations") or {}).get("es") or {}).get("examples", [])
    ]
    red_flags = load(ROOT / "content" / "red_flags.yml")
    return [
        *translated,
        *red_flags["translations"]["es"]["examples"],
        *nlu_examples(ROOT / "data" / "nlu" / "red_flags.yml"),
    ]


EXAMPLES = training_examples() + spanish_examples()


def test_size_and_mix():
    assert len(QUESTIONS) >= 80
    assert sum("false_premise" in q for q in QUESTIONS) >= 12
    assert sum(bool(q.get("urgent")) for q in QUESTIONS) >= 6
    assert sum(q["expect"] == ["medical_advice"] for q in QUESTIONS) >= 8
    assert sum("human_handoff" in q["expect"] for q in QUESTIONS) >= 4


def test_ids_and_texts_are_unique():
    ids = [q["id"] for q in QUESTIONS]
    assert ids == [f"s{i:03d}" for i in range(1, len(ids) + 1)]
    texts = [normalise(q["text"]) for q in QUESTIONS]
    assert len(set(texts)) == len(texts)


def test_every_question_names_a_listed_source_and_real_expectations():
    assert {q["source"] for q in QUESTIONS} <= set(SOURCES)
    content_urls = {s["url"].rstrip("/") for s in CONTENT_SOURCES.values()}
    for key, source in SOURCES.items():
        assert urlparse(source["url"]).scheme == "https", key
        assert source["url"].rstrip("/") not in content_urls, key
    for q in QUESTIONS:
        unknown = [e for e in q["expect"] if e not in TOPIC_IDS | INTENTS]
        assert not unknown or q.get("new_topic"), q["id"]
        for name in unknown:
            assert f"`{name}`" in PROTOCOL, f"{q['id']}: {name} is not in PROTOCOL.md"


@pytest.mark.parametrize("question", QUESTIONS, ids=lambda q: q["id"])
def test_no_question_is_a_training_or_held_out_example(question):
    assert_held_out(question["text"], EXAMPLES)
