"""Find the label of a question in another language by its letters: TF-IDF over
character n-grams (3-5, inside words) of the text in lower case, accents folded.

The sentence encoder reads English only, so a Spanish question is matched to the
Spanish text itself: each topic's title and answer sentences and every Spanish
example question. Letters, not words, so that "cateter", "catéter" and "cateder",
or "refil" and "refill", still meet. On our Spanish tuning set and held-out set
word n-grams added nothing to letters alone (bench/spanish.py).

Rasa-free: scikit-learn. Saved as arrays and JSON, never pickled.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bot.nlu.plain_text import fold_accents

_TFIDF = {"analyzer": "char_wb", "ngram_range": (3, 5), "sublinear_tf": True}


def _plain(text: str) -> str:
    return fold_accents(text.lower())


@dataclass(frozen=True)
class Best:
    label: str
    score: float  # cosine similarity, 0-1


class LetterIndex:
    """Labelled passages of one language and their TF-IDF vectors."""

    def __init__(
        self, labels: list[str], texts: list[str], vocabulary: dict[str, int], idf: np.ndarray
    ) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer

        if len(labels) != len(texts) or len(idf) != len(vocabulary):
            raise ValueError("the letter index's passages, vocabulary and weights do not fit")
        self.labels, self.texts = labels, texts
        self.vectorizer = TfidfVectorizer(**_TFIDF, vocabulary=vocabulary)
        self.vectorizer.idf_ = np.asarray(idf, dtype=np.float64)
        self.vectors = self.vectorizer.transform([_plain(t) for t in texts])

    @classmethod
    def build(cls, labels: list[str], texts: list[str]) -> LetterIndex:
        from sklearn.feature_extraction.text import TfidfVectorizer

        vectorizer = TfidfVectorizer(**_TFIDF).fit([_plain(t) for t in texts])
        vocabulary = {gram: int(i) for gram, i in vectorizer.vocabulary_.items()}
        return cls(labels, texts, vocabulary, vectorizer.idf_)

    def best(self, text: str) -> Best | None:
        """The label of the passage closest to the text, and how close."""
        if not self.labels:
            return None
        scores = (self.vectors @ self.vectorizer.transform([_plain(text)]).T).toarray().ravel()
        at = int(np.argmax(scores))
        return Best(self.labels[at], float(scores[at]))

    def save(self, directory: Path, name: str) -> None:
        np.savez(directory / f"{name}.npz", idf=self.vectorizer.idf_)
        meta = {
            "labels": self.labels,
            "texts": self.texts,
            "vocabulary": self.vectorizer.vocabulary_,
        }
        (directory / f"{name}.json").write_text(json.dumps(meta), encoding="utf-8")

    @classmethod
    def load(cls, directory: Path, name: str) -> LetterIndex:
        """ValueError (or KeyError, OSError) if the files do not make an index."""
        meta = json.loads((directory / f"{name}.json").read_text(encoding="utf-8"))
        with np.load(directory / f"{name}.npz", allow_pickle=False) as arrays:
            idf = arrays["idf"]
        vocabulary = {str(k): int(v) for k, v in meta["vocabulary"].items()}
        return cls(list(map(str, meta["labels"])), list(map(str, meta["texts"])), vocabulary, idf)
