"""The retrieval by letters for another language (bot/nlu/letters.py) and the
Spanish classifier's rescue by it (bot/rasa/components.py)."""

import numpy as np
import pytest
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.letters import LetterIndex

LABELS = ["faq/refills", "faq/refills", "faq/mri", "faq/mri", "greet"]
TEXTS = [
    "¿Cada cuánto hay que llenar la bomba?",
    "La enfermera llena la bomba con una aguja.",
    "¿Me pueden hacer una resonancia magnética con la bomba?",
    "Dígales al personal de MRI que tiene una bomba implantada.",
    "Hola, buenos días",
]


def index() -> LetterIndex:
    return LetterIndex.build(LABELS, TEXTS)


@pytest.mark.parametrize(
    "question, label",
    [
        ("cada cuanto me llenan la bomba", "faq/refills"),  # no accents
        ("cada quanto se yena la bonba", "faq/refills"),  # misspelt
        ("me pueden hacer resonansia magnetica?", "faq/mri"),
        ("holaa buenos dias", "greet"),
    ],
)
def test_the_closest_passage_is_found_without_accents_and_misspelt(question, label):
    best = index().best(question)
    assert best.label == label
    assert 0 < best.score <= 1


def test_a_saved_index_loads_with_the_same_scores(tmp_path):
    built = index()
    built.save(tmp_path, "letters.es")
    loaded = LetterIndex.load(tmp_path, "letters.es")
    question = "cuanto tarda el llenado de la bomba"
    assert loaded.best(question) == built.best(question)


def test_an_index_whose_parts_disagree_is_refused(tmp_path):
    index().save(tmp_path, "letters.es")
    with np.load(tmp_path / "letters.es.npz") as arrays:
        np.savez(tmp_path / "letters.es.npz", idf=arrays["idf"][:-1])
    with pytest.raises(ValueError):
        LetterIndex.load(tmp_path, "letters.es")


class _Classifier:
    classes_ = np.array(["faq/mri", "faq/refills", "greet"])


def _rescue(row, text="cada cuanto me llenan la bomba", confidence=0.25, similarity=0.3):
    from bot.rasa.components import IntentAndTopicClassifier

    component = IntentAndTopicClassifier(
        {
            "language_rescue_min_confidence": confidence,
            "language_rescue_min_similarity": similarity,
        },
        None,
        None,
    )
    component.letters = {"es": index()}
    message = Message(data={TEXT: text})
    return component._rescue_by_letters(message, "es", np.array(row), _Classifier(), 0.5)


def test_an_unsure_topic_is_answered_when_its_own_language_s_text_agrees():
    rescued = _rescue([0.25, 0.45, 0.3])
    assert rescued is not None
    assert rescued.sum() == pytest.approx(1.0)
    assert rescued.argmax() == 1 and rescued[1] >= 0.5


@pytest.mark.parametrize(
    "row, text, confidence, similarity",
    [
        ([0.2, 0.3, 0.5], "cada cuanto me llenan la bomba", 0.25, 0.3),  # greet is first
        ([0.2, 0.35, 0.45], "cada cuanto me llenan la bomba", 0.25, 0.3),  # not a topic first
        ([0.3, 0.4, 0.3], "me pueden hacer resonancia", 0.25, 0.3),  # the letters disagree
        ([0.3, 0.4, 0.3], "cada cuanto me llenan la bomba", 0.45, 0.3),  # not sure enough
        ([0.3, 0.4, 0.3], "cada cuanto me llenan la bomba", 0.25, 0.99),  # not similar enough
        ([0.1, 0.8, 0.1], "cada cuanto me llenan la bomba", 0.25, 0.3),  # sure already
    ],
)
def test_no_rescue_unless_the_first_topic_is_sure_enough_and_its_text_agrees(
    row, text, confidence, similarity
):
    assert _rescue(row, text, confidence, similarity) is None
