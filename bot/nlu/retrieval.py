"""Find a question's label by the curated text itself: each answer's sentences,
each false belief and every example question, matched by meaning (the sentence embedding the
pipeline already computed) and by words (TF-IDF over word unigrams and bigrams).

The classifier learns only from example questions; a patient's question is
often closest to a sentence of the answer ("how long does the soreness last" is
half a sentence of the recovery answer). The classifier (IntentAndTopicClassifier)
consults the retrieval's best label when it is unsure, and takes from it the
answer sentence and the false belief closest to the question.

Rasa-free: numpy and scikit-learn. The index is saved as arrays and JSON, never
pickled, like the classifier.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bot.content.sentences import sentences

_PLACEHOLDER = re.compile(r"\{[a-z_]+\}")

ANSWER = "answer"
EXAMPLE = "example"
# A common false belief of the topic, or a question that carries it.
BELIEF = "belief"


@dataclass(frozen=True)
class Passage:
    label: str  # the full label: faq/<topic> or an intent
    kind: str  # ANSWER (a sentence of the answer), EXAMPLE or BELIEF
    text: str
    belief: int = -1  # for BELIEF: the number of the belief in its topic


@dataclass(frozen=True)
class Match:
    label: str
    score: float
    # The best answer sentence of that label and its own score, for leading
    # the answer with it; None when the label has no answer sentences.
    sentence: str | None
    sentence_score: float
    # The belief of that label closest to the question (its number), and how close.
    belief: int | None = None
    belief_score: float = 0.0


class Index:
    """Passages with their embeddings and TF-IDF vectors."""

    ARRAYS = "retrieval.npz"
    META = "retrieval.json"

    def __init__(
        self,
        passages: list[Passage],
        embeddings: np.ndarray,
        vocabulary: dict[str, int],
        idf: np.ndarray,
        meaning_weight: float,
    ) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer

        self.passages = passages
        self.embeddings = _unit_rows(np.asarray(embeddings, dtype=np.float32))
        self.meaning_weight = float(meaning_weight)
        self.vectorizer = TfidfVectorizer(**_TFIDF, vocabulary=vocabulary)
        self.vectorizer.idf_ = idf
        self.words = self.vectorizer.transform([p.text for p in passages])
        self.labels = sorted({p.label for p in passages})
        label_index = {label: i for i, label in enumerate(self.labels)}
        self._label_of = np.array([label_index[p.label] for p in passages], dtype=int)
        kinds = np.array([p.kind for p in passages])
        self._everything = np.arange(len(passages))
        self._answers = np.flatnonzero(kinds == ANSWER)
        self._beliefs = np.flatnonzero(kinds == BELIEF)

    @classmethod
    def build(cls, passages: list[Passage], embeddings: np.ndarray, meaning_weight: float) -> Index:
        from sklearn.feature_extraction.text import TfidfVectorizer

        vectorizer = TfidfVectorizer(**_TFIDF).fit([p.text for p in passages])
        vocabulary = {word: int(i) for word, i in vectorizer.vocabulary_.items()}
        return cls(passages, embeddings, vocabulary, vectorizer.idf_, meaning_weight)

    def scores(self, text: str, embedding: np.ndarray | None) -> np.ndarray:
        """One similarity per passage, 0-1: meaning and words, weighted."""
        words = (self.words @ self.vectorizer.transform([text]).T).toarray().ravel()
        if embedding is None:
            return words
        vector = np.asarray(embedding, dtype=np.float32).reshape(-1)
        norm = float(np.linalg.norm(vector))
        meaning = self.embeddings @ (vector / norm) if norm else np.zeros(len(self.passages))
        w = self.meaning_weight
        return w * np.clip(meaning, 0.0, 1.0) + (1 - w) * words

    def best_by_label(self, text: str, embedding: np.ndarray | None) -> dict[str, Match]:
        """For each label: its best passage's score, its best answer sentence and
        its best belief (each with its own score)."""
        scores = self.scores(text, embedding)
        best, _ = self._best_of(scores, self._everything)
        sentence_score, sentence_at = self._best_of(scores, self._answers)
        belief_score, belief_at = self._best_of(scores, self._beliefs)
        matches = {}
        for i in np.flatnonzero(best >= 0):
            sentence = self.passages[sentence_at[i]].text if sentence_score[i] > 0 else None
            belief = self.passages[belief_at[i]].belief if belief_score[i] > 0 else None
            matches[self.labels[i]] = Match(
                self.labels[i],
                float(best[i]),
                sentence,
                float(max(sentence_score[i], 0.0)),
                belief,
                float(max(belief_score[i], 0.0)),
            )
        return matches

    def _best_of(self, scores: np.ndarray, which: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per label, among the passages `which` holds: the best score (-1 for
        none) and the index of a passage that has it."""
        best = np.full(len(self.labels), -1.0)
        at = np.full(len(self.labels), -1)
        labels = self._label_of[which]
        np.maximum.at(best, labels, scores[which])
        top = scores[which] >= best[labels]
        at[labels[top]] = which[top]
        return best, at

    def save(self, directory: Path) -> None:
        np.savez(directory / self.ARRAYS, embeddings=self.embeddings, idf=self.vectorizer.idf_)
        meta = {
            "passages": [[p.label, p.kind, p.text, p.belief] for p in self.passages],
            "vocabulary": self.vectorizer.vocabulary_,
            "meaning_weight": self.meaning_weight,
        }
        (directory / self.META).write_text(json.dumps(meta), encoding="utf-8")

    @classmethod
    def load(cls, directory: Path) -> Index:
        """ValueError (or KeyError, OSError) if the files do not make an index."""
        meta = json.loads((directory / cls.META).read_text(encoding="utf-8"))
        with np.load(directory / cls.ARRAYS, allow_pickle=False) as arrays:
            embeddings, idf = arrays["embeddings"], arrays["idf"]
        passages = [Passage(str(a), str(b), str(c), int(d)) for a, b, c, d in meta["passages"]]
        vocabulary = {str(k): int(v) for k, v in meta["vocabulary"].items()}
        if len(passages) != len(embeddings) or len(idf) != len(vocabulary):
            raise ValueError("the retrieval index's arrays do not fit its passages")
        return cls(passages, embeddings, vocabulary, idf, float(meta["meaning_weight"]))


# Words and word pairs, common English words left out, counts dampened: a rare
# word shared with one answer ("glycerin", "soreness") should count for much.
_TFIDF = {
    "lowercase": True,
    "ngram_range": (1, 2),
    "stop_words": "english",
    "sublinear_tf": True,
    "token_pattern": r"(?u)\b[a-z][a-z0-9]+\b",
}


def _unit_rows(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms == 0, 1, norms)


def answer_passages(label: str, answer_text: str) -> list[Passage]:
    text = _PLACEHOLDER.sub("", answer_text)
    return [Passage(label, ANSWER, s) for s in sentences(text)]


def belief_passages(label: str, number: int, belief: str, examples: list[str]) -> list[Passage]:
    return [Passage(label, BELIEF, text, number) for text in [belief, *examples]]
