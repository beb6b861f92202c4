"""The wild set (eval/wild/) is big enough, well formed, sourced elsewhere than our
content, and really held out: no question is a training or held-out NLU example.

How it is written and scored: eval/wild/PROTOCOL.md.
"""

import difflib
import re
from pathlib import Path
from urllib.parse import urlparse

import pytest
import yaml

ROOT = Path(__file__).parent.parent
WILD = ROOT / "eval" / "wild"
STYLES = {"typo", "caregiver", "short", "run_on", "phone"}
KINDS = {"hospital_guide", "drug_label", "organisation", "forum", "journal"}
FIELDS = {"id", "text", "source", "expect", "new_topic", "false_premise", "urgent", "style"}


def load(path: Path):
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def normalise(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", text.lower()).split())


def nlu_examples(path: Path) -> list[str]:
    return [
        line.strip()[2:]
        for item in load(path)["nlu"]
        if "intent" in item
        for line in item["examples"].splitlines()
        if line.strip().startswith("- ")
    ]


QUESTIONS = load(WILD / "questions.yml")
SOURCES = load(WILD / "sources.yml")
CONTENT_SOURCES = load(ROOT / "content" / "sources.yml")
TOPICS = [load(p) for p in sorted((ROOT / "content" / "topics").glob("*.yml"))]
TOPIC_IDS = {t["id"] for t in TOPICS}
INTENTS = set(load(ROOT / "domain.yml")["intents"])
PROTOCOL = (WILD / "PROTOCOL.md").read_text(encoding="utf-8")


def training_examples() -> list[str]:
    examples = [e for t in TOPICS for e in t.get("examples", [])]
    # The retrieval also learns each false belief and the questions that carry it.
    beliefs = [m for t in TOPICS for m in t.get("myths", [])]
    examples += [e for m in beliefs for e in [m["belief"], *m["examples"]]]
    for path in sorted((ROOT / "data" / "nlu").glob("*.yml")):
        examples += nlu_examples(path)
    return examples + nlu_examples(ROOT / "eval" / "nlu" / "test_nlu.yml")


EXAMPLES = training_examples()


def test_size_and_mix():
    assert len(QUESTIONS) >= 150
    assert sum("false_premise" in q for q in QUESTIONS) >= 30
    assert 0 < sum(bool(q.get("urgent")) for q in QUESTIONS) <= 8
    assert sum(q["expect"] == ["medical_advice"] for q in QUESTIONS) >= 8
    assert sum("human_handoff" in q["expect"] for q in QUESTIONS) >= 8
    assert len({q["source"] for q in QUESTIONS}) >= 12


def test_ids_and_texts_are_unique_and_well_formed():
    ids = [q["id"] for q in QUESTIONS]
    assert ids == [f"w{i:03d}" for i in range(1, len(ids) + 1)]
    texts = [normalise(q["text"]) for q in QUESTIONS]
    assert len(set(texts)) == len(texts)
    for q in QUESTIONS:
        assert set(q) <= FIELDS, q["id"]
        assert q["text"].strip() and q["expect"], q["id"]
        assert q.get("style", "typo") in STYLES, q["id"]
        assert q.get("urgent") in (None, True) and q.get("new_topic") in (None, True), q["id"]


def test_sources_are_not_our_contents_sources():
    content_urls = {s["url"].rstrip("/") for s in CONTENT_SOURCES.values()}
    content_hosts = {urlparse(u).hostname for u in content_urls} - {None}
    for key, source in SOURCES.items():
        assert {"title", "publisher", "url", "kind", "note"} <= set(source), key
        assert source["kind"] in KINDS, key
        url = urlparse(source["url"])
        assert url.scheme == "https" and url.hostname, key
        assert source["url"].rstrip("/") not in content_urls, key
        # A host our content uses is allowed only with a note saying why ("same host").
        if url.hostname in content_hosts:
            assert "same host" in source["note"], key
    assert {q["source"] for q in QUESTIONS} == set(SOURCES)


def test_every_expectation_is_a_topic_an_intent_or_a_listed_new_topic():
    # `new_topic: true` records that no topic answered the question when the set
    # was frozen; a topic added since may now exist.
    for q in QUESTIONS:
        unknown = [e for e in q["expect"] if e not in TOPIC_IDS | INTENTS]
        assert not unknown or q.get("new_topic"), q["id"]
        for name in unknown:
            assert re.fullmatch(r"[a-z][a-z0-9_]*", name), (q["id"], name)
            assert f"`{name}`" in PROTOCOL, f"{q['id']}: {name} is not in PROTOCOL.md"


def test_false_premises_are_sourced():
    for q in QUESTIONS:
        premise = q.get("false_premise")
        if premise is not None:
            assert set(premise) == {"belief", "truth", "source"}, q["id"]
            assert premise["belief"].strip() and premise["truth"].strip(), q["id"]
            assert premise["source"] in SOURCES or premise["source"] in CONTENT_SOURCES, q["id"]


def assert_held_out(text: str, examples: list[str]) -> None:
    """Not an example, nor the same words, nor a near-copy (difflib ratio 0.9)."""
    wild = normalise(text)
    matcher = difflib.SequenceMatcher(b=wild)
    for example in examples:
        seen = normalise(example)
        matcher.set_seq1(seen)
        assert set(seen.split()) != set(wild.split()), example
        if matcher.real_quick_ratio() >= 0.9 and matcher.quick_ratio() >= 0.9:
            assert matcher.ratio() < 0.9, example


@pytest.mark.parametrize("question", QUESTIONS, ids=lambda q: q["id"])
def test_no_question_is_a_training_or_held_out_example(question):
    assert_held_out(question["text"], EXAMPLES)
