"""Find red-flag symptoms in a patient's message with spaCy, deterministically.

Every phrase in content/red_flags.yml is matched on lowercase words and on
lemmas, so "chills", "my chest hurts" and "threw up blood" are found wherever
they stand in a message. A combination (for example a pump-site word and a sign
of infection) counts when its word groups appear close together in one sentence.
A mention is negated when a negation cue ("no", "not", "don't", "without") comes
shortly before it in the same clause, or a resolution cue ("is gone", "went
away") right after it. Messages and phrases are compared in plain text
(bot/nlu/plain_text.py), so no keyboard's spaces or letters hide a symptom.
"""

from __future__ import annotations

from dataclasses import dataclass

from spacy.matcher import PhraseMatcher

from bot.content.red_flags import RedFlags, Symptom
from bot.nlu import plain_text

NEGATION_CUES = {
    "no",
    "not",
    "n't",
    "nt",
    "never",
    "without",
    "denies",
    "deny",
    "nor",
    "neither",
    "none",
    "free",
    "negative",
}
RESOLVED_CUES = {"gone", "away", "resolved", "stopped", "better"}
CLAUSE_BREAKS = {
    ".",
    "!",
    "?",
    ";",
    ",",
    "but",
    "however",
    "though",
    "although",
    "yet",
    "except",
    "and",
    "also",
    "plus",
    "now",
}
SENTENCE_BREAKS = {".", "!", "?", ";"}


def _breaks(token, breaks: set[str]) -> bool:
    """A listed break word or mark, or a line break: a patient who writes one
    symptom per line starts a new sentence on each."""
    return token.lower_ in breaks or (token.is_space and "\n" in token.text)


NEGATION_WINDOW = 5
RESOLVED_WINDOW = 3
# How far apart (in tokens) the word groups of a combination may stand.
COMBINATION_WINDOW = 8


@dataclass(frozen=True)
class Mention:
    symptom: Symptom
    start: int
    end: int
    text: str
    negated: bool


@dataclass(frozen=True)
class Detection:
    mentions: tuple[Mention, ...]

    @property
    def urgent(self) -> tuple[Symptom, ...]:
        seen: dict[str, Symptom] = {}
        for mention in self.mentions:
            if not mention.negated:
                seen.setdefault(mention.symptom.id, mention.symptom)
        return tuple(seen.values())

    @property
    def negated(self) -> tuple[Symptom, ...]:
        urgent = {s.id for s in self.urgent}
        return tuple(
            {
                m.symptom.id: m.symptom
                for m in self.mentions
                if m.negated and m.symptom.id not in urgent
            }.values()
        )


class RedFlagMatcher:
    def __init__(self, nlp, red_flags: RedFlags):
        self.nlp = nlp
        self.red_flags = red_flags
        self._phrases = {attr: PhraseMatcher(nlp.vocab, attr=attr) for attr in ("LOWER", "LEMMA")}
        self._groups = {attr: PhraseMatcher(nlp.vocab, attr=attr) for attr in ("LOWER", "LEMMA")}
        for symptom in red_flags.symptoms:
            if symptom.phrases:
                docs = [nlp(self.comparable(p)) for p in symptom.phrases]
                for matcher in self._phrases.values():
                    matcher.add(symptom.id, docs)
            for c_index, combination in enumerate(symptom.combinations):
                for g_index, group in enumerate(combination):
                    docs = [nlp(self.comparable(word)) for word in group]
                    for matcher in self._groups.values():
                        matcher.add(f"{symptom.id}|{c_index}|{g_index}", docs)

    @staticmethod
    def _negated(doc, start: int, end: int, inside: bool) -> bool:
        """Negated by a cue shortly before, inside (for combinations, whose span
        runs across several words), or a resolution cue right after."""
        for token in reversed(doc[max(0, start - NEGATION_WINDOW) : start]):
            if _breaks(token, CLAUSE_BREAKS):
                break
            if token.lower_ in NEGATION_CUES:
                return True
        if inside and any(t.lower_ in NEGATION_CUES for t in doc[start:end]):
            return True
        for token in doc[end : end + RESOLVED_WINDOW]:
            if _breaks(token, CLAUSE_BREAKS):
                break
            if token.lower_ in RESOLVED_CUES:
                return True
        return False

    @staticmethod
    def _sentence_of(doc, index: int) -> int:
        return sum(1 for t in doc[:index] if _breaks(t, SENTENCE_BREAKS))

    @staticmethod
    def comparable(text: str) -> str:
        """The plain text (bot/nlu/plain_text.py: odd spaces, zero-width characters,
        fullwidth letters, curly apostrophes), lowercased: spaCy splits "can't"
        but not "CAN'T". Listed phrases get the same treatment as messages."""
        return plain_text.normalise(text).lower()

    def detect(self, text: str) -> Detection:
        doc = self.nlp(self.comparable(text))
        mentions: dict[tuple[str, int, int], Mention] = {}
        symptoms = {s.id: s for s in self.red_flags.symptoms}

        def add(symptom: Symptom, start: int, end: int, combined: bool = False) -> None:
            key = (symptom.id, start, end)
            if key not in mentions:
                mentions[key] = Mention(
                    symptom,
                    start,
                    end,
                    doc[start:end].text,
                    self._negated(doc, start, end, inside=combined),
                )

        for matcher in self._phrases.values():
            for match_id, start, end in matcher(doc):
                add(symptoms[self.nlp.vocab.strings[match_id]], start, end)

        group_hits: dict[tuple[str, int], dict[int, list[tuple[int, int]]]] = {}
        for matcher in self._groups.values():
            for match_id, start, end in matcher(doc):
                sid, c_index, g_index = self.nlp.vocab.strings[match_id].split("|")
                group_hits.setdefault((sid, int(c_index)), {}).setdefault(int(g_index), []).append(
                    (start, end)
                )
        for (sid, c_index), hits in group_hits.items():
            symptom = symptoms[sid]
            if len(hits) < len(symptom.combinations[c_index]):
                continue
            for start, end in self._combined_spans(doc, [hits[g] for g in sorted(hits)]):
                add(symptom, start, end, combined=True)
        ordered = sorted(mentions.values(), key=lambda m: (m.start, m.symptom.id))
        return Detection(tuple(ordered))

    def _combined_spans(self, doc, groups: list[list[tuple[int, int]]]):
        """Spans where one hit of every group stands within the window, in one sentence."""
        first, rest = groups[0], groups[1:]
        for start, end in first:
            sentence = self._sentence_of(doc, start)
            span_start, span_end, ok = start, end, True
            for hits in rest:
                near = [
                    h
                    for h in hits
                    if abs(h[0] - start) <= COMBINATION_WINDOW
                    and self._sentence_of(doc, h[0]) == sentence
                ]
                if not near:
                    ok = False
                    break
                span_start = min(span_start, near[0][0])
                span_end = max(span_end, near[0][1])
            if ok:
                yield span_start, span_end
