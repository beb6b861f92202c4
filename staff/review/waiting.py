"""Questions waiting for an answer: what patients asked that the assistant was
not sure about, masked as the log keeps them, grouped by similarity
(scikit-learn: TF-IDF of character n-grams of the words that are not English
stop words, so "swim" and "swimming" meet; average-linkage clustering on cosine
distance), the most asked groups first. A question leaves the list once it is a topic's example
question or someone has named its topic."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
from sklearn.cluster import AgglomerativeClustering
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer
from sklearn.metrics.pairwise import cosine_similarity

from bot.content.loader import ContentError
from staff.editor import common
from staff.review.models import Message, Outcome

# Questions further apart than this (1 - cosine similarity) are not grouped.
APART = 0.8
# The newest this many distinct questions are grouped: the page stays quick.
LIMIT = 400
_WORD = re.compile(r"\w+")


@dataclass
class Question:
    text: str
    ids: list[int] = field(default_factory=list)  # its messages, newest first

    @property
    def asked(self) -> int:
        return len(self.ids)


@dataclass
class Group:
    questions: list[Question]

    @property
    def asked(self) -> int:
        return sum(q.asked for q in self.questions)

    @property
    def ids(self) -> list[int]:
        return [i for q in self.questions for i in q.ids]


def _key(text: str) -> str:
    return " ".join(text.casefold().split())


def _examples() -> set[str]:
    try:
        topics = common.content().topics.values()
    except ContentError:
        return set()
    return {_key(e) for t in topics for e in t.examples}


def _words(text: str) -> str:
    return " ".join(w for w in _WORD.findall(text.casefold()) if w not in ENGLISH_STOP_WORDS)


def _clustering(apart: float) -> AgglomerativeClustering:
    # scikit-learn 1.2 renamed "affinity" to "metric".
    name = "metric" if "metric" in AgglomerativeClustering().get_params() else "affinity"
    return AgglomerativeClustering(
        n_clusters=None, linkage="average", distance_threshold=apart, **{name: "precomputed"}
    )


def not_sure():
    """The not-sure patient messages no one has yet given a topic."""
    return Message.objects.filter(
        sender=Message.PATIENT, outcome=Outcome.NOT_UNDERSTOOD, corrected_topic=""
    ).exclude(text="")


def questions(limit: int = LIMIT) -> list[Question]:
    """Distinct waiting questions, newest first; the same words asked again count once."""
    known = _examples()
    found: dict[str, Question] = {}
    for pk, text in not_sure().order_by("-time", "-id").values_list("id", "text").iterator():
        key = _key(text)
        if key in known:
            continue
        if key not in found:
            if len(found) >= limit:
                continue
            found[key] = Question(" ".join(text.split()))
        found[key].ids.append(pk)
    return list(found.values())


def grouped(waiting: list[Question], apart: float = APART) -> list[Group]:
    """Similar questions together; the groups asked most first, then the larger."""
    if len(waiting) < 2:
        return [Group(waiting)] if waiting else []
    vectorizer = TfidfVectorizer(
        analyzer="char_wb", ngram_range=(3, 5), preprocessor=_words,
        sublinear_tf=True,
    )  # fmt: skip
    try:
        vectors = vectorizer.fit_transform([q.text for q in waiting])
    except ValueError:  # nothing but stop words and signs
        return [Group([q]) for q in waiting]
    distance = np.clip(1.0 - cosine_similarity(vectors), 0.0, 1.0)
    np.fill_diagonal(distance, 0.0)
    labels = _clustering(apart).fit_predict(distance)
    groups: dict[int, list[Question]] = {}
    for question, label in zip(waiting, labels, strict=True):
        groups.setdefault(int(label), []).append(question)
    found = [Group(sorted(qs, key=lambda q: -q.asked)) for qs in groups.values()]
    return sorted(found, key=lambda g: (-g.asked, -len(g.questions), g.questions[0].text))


def texts(ids: list[int]) -> list[str]:
    """The waiting questions among these messages, each once, for a new topic's examples."""
    seen: dict[str, str] = {}
    for text in not_sure().filter(id__in=ids).order_by("-time").values_list("text", flat=True):
        seen.setdefault(_key(text), " ".join(text.split()))
    return list(seen.values())


def answered(texts: list[str], topic: str) -> int:
    """The waiting messages with these words now have a topic: they leave the list."""
    keys = {_key(t) for t in texts}
    ids = [pk for pk, text in not_sure().values_list("id", "text") if _key(text) in keys]
    return Message.objects.filter(id__in=ids).update(corrected_topic=topic)
