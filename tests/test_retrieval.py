"""The retrieval index (bot/nlu/retrieval.py) on small hand-made passages and
embeddings; `make eval` measures it on the real model."""

import numpy as np
import pytest

from bot.nlu import retrieval
from bot.nlu.retrieval import ANSWER, EXAMPLE, Passage

PASSAGES = [
    Passage("faq/recovery", ANSWER, "Soreness and swelling get better in 1 to 4 weeks."),
    Passage("faq/recovery", ANSWER, "Many people need 2 to 6 weeks off work."),
    Passage("faq/refills", ANSWER, "The pump is refilled every 14 days."),
    Passage("faq/refills", EXAMPLE, "how often is the pump filled"),
    Passage("greet", EXAMPLE, "hello there"),
]
# One direction per passage: meaning alone picks the passage a vector points at.
EMBEDDINGS = np.eye(len(PASSAGES), 8, dtype=np.float32)


def index(meaning_weight=0.5):
    return retrieval.Index.build(PASSAGES, EMBEDDINGS, meaning_weight)


def test_shared_rare_words_find_the_answer_sentence():
    matches = index(meaning_weight=0.0).best_by_label("how long is the soreness", None)
    best = max(matches.values(), key=lambda m: m.score)
    assert best.label == "faq/recovery"
    assert best.sentence == PASSAGES[0].text


def test_meaning_finds_the_passage_its_vector_points_at():
    matches = index(meaning_weight=1.0).best_by_label("words in common: none", EMBEDDINGS[1])
    assert matches["faq/recovery"].score == pytest.approx(1.0)
    assert matches["faq/recovery"].sentence == PASSAGES[1].text
    assert matches["faq/refills"].score == pytest.approx(0.0)


def test_an_example_match_names_no_answer_sentence():
    matches = index().best_by_label("hello there", EMBEDDINGS[4])
    assert matches["greet"].sentence is None
    assert max(matches.values(), key=lambda m: m.score).label == "greet"


def test_the_index_survives_a_save_and_load_without_pickle(tmp_path):
    built = index()
    built.save(tmp_path)
    loaded = retrieval.Index.load(tmp_path)
    question = ("when can i go back to work", EMBEDDINGS[1] + EMBEDDINGS[0])
    assert loaded.best_by_label(*question) == built.best_by_label(*question)


def test_a_damaged_index_is_refused(tmp_path):
    index().save(tmp_path)
    np.savez(tmp_path / retrieval.Index.ARRAYS, embeddings=EMBEDDINGS[:2], idf=np.ones(3))
    with pytest.raises(ValueError):
        retrieval.Index.load(tmp_path)


def test_placeholders_are_left_out_of_answer_passages():
    passages = retrieval.answer_passages("faq/x", "Call us at {phone_main}. We answer fast.")
    assert [p.text for p in passages] == ["Call us at .", "We answer fast."]


def test_a_belief_is_found_with_its_number():
    passages = [
        *PASSAGES,
        *retrieval.belief_passages(
            "faq/refills", 0, "Anyone can refill the pump.", ["can my pharmacy refill it"]
        ),
    ]
    built = retrieval.Index.build(passages, np.eye(len(passages), 8, dtype=np.float32), 0.0)
    match = built.best_by_label("can the pharmacy refill my pump", None)["faq/refills"]
    assert match.belief == 0 and match.belief_score > 0.5
    assert built.best_by_label("hello there", None)["greet"].belief is None
