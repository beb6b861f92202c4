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


@dataclass(frozen=True)
class Cues:
    """The words that negate a mention or end its clause, in one language."""

    negation: frozenset[str]
    # A mention followed by one of these is over ("my fever is gone").
    resolved: frozenset[str]
    clause_breaks: frozenset[str]
    sentence_breaks: frozenset[str]
    # After a negation cue (clitics skipped), words that make it no negation of
    # the symptom: "no me baja la fiebre" is a fever that will not come down.
    not_negating_after: frozenset[str] = frozenset()
    clitics: frozenset[str] = frozenset()
    # Before a mention, a cue that it is over, unless itself negated ("no se me
    # quitó la fiebre").
    resolved_before: frozenset[str] = frozenset()
    # Over only right after "ya" ("ya bajó", "ya pasó"): alone they mean other things.
    resolved_after_ya: frozenset[str] = frozenset()
    # "ni" before an article means "not even" ("no aguanto ni el cinturón").
    not_even: frozenset[str] = frozenset()
    articles: frozenset[str] = frozenset()
    # Over only when negated ("la fiebre no ha vuelto"); "ha vuelto" is urgent.
    not_back: frozenset[str] = frozenset()
    # Words that say all is well ("normal", "limpia"): with nothing listed found,
    # the model's urgent label alone does not stand beside them.
    all_well: frozenset[str] = frozenset()
    # Compare without accents: patients write "fiebre y escalofrios" on phones.
    fold_accents: bool = False


_PUNCTUATION_BREAKS = {".", "!", "?", ";", "¿", "¡"}
_ENGLISH_NEGATION = frozenset(
    "no not n't nt never without denies deny nor neither none free negative".split()
)
_ENGLISH_RESOLVED = frozenset("gone away resolved stopped better".split())
_ENGLISH_CLAUSE_BREAKS = frozenset(
    ", but however though although yet except and also plus now".split()
)
CUES = {
    "en": Cues(
        negation=_ENGLISH_NEGATION,
        resolved=_ENGLISH_RESOLVED,
        clause_breaks=frozenset(_PUNCTUATION_BREAKS | _ENGLISH_CLAUSE_BREAKS),
        sentence_breaks=frozenset(_PUNCTUATION_BREAKS),
    ),
    "es": Cues(
        # With the English cues: patients mix ("no tengo fever", "my fiebre is gone").
        negation=frozenset(
            "no sin nunca jamas ni tampoco ningun ninguna ninguno nada niega negativo".split()
        )
        | _ENGLISH_NEGATION,
        # Not "fue" or "pasó": "desde que fue el relleno", "¿qué pasó?".
        resolved=frozenset(
            (
                "quito quitaron quitado desaparecio desaparecieron mejor mejoro mejoraron curo "
                "curado termino calmo calmaron calmado"
            ).split()
        )
        | _ENGLISH_RESOLVED,
        # Spanish often says it first: "ya se me quitó la calentura".
        resolved_before=frozenset("quito quitado desaparecio mejoro curo calmo paro".split()),
        clause_breaks=frozenset(
            _PUNCTUATION_BREAKS
            | set(", pero sino aunque y e tambien ademas excepto salvo ahora mas".split())
            | _ENGLISH_CLAUSE_BREAKS
        ),
        sentence_breaks=frozenset(_PUNCTUATION_BREAKS),
        # "no me baja la fiebre", "no se me quita", "no para de sangrar", "no sé por qué".
        not_negating_after=frozenset(
            (
                "baja bajaba bajado quita quitaba quitado para paran paraba parado pare deja "
                "dejaba cede quiere quiero cedia mejora mejoraba mejorado va iba detiene detenia "
                "puedo puede podia "
                "aguanto aguanta controla corta cortaba si que sabemos sabia por cuando como donde "
                "cual"
            ).split()
        ),
        # Skipped between the cue and the verb: "no se me quita", "no ha bajado".
        clitics=frozenset("me te le les nos se lo la ha han he habia".split()),
        not_even=frozenset({"ni"}),
        articles=frozenset("el la los las un una".split()),
        not_back=frozenset("vuelto regresado vuelve regresa volvio regreso".split()),
        resolved_after_ya=frozenset("bajo paso sano seco desinflamo deshincho".split()),
        all_well=frozenset(
            "normal normales clarita clarito limpia limpio seca seco sano sana".split()
        ),
        fold_accents=True,
    ),
}


def _breaks(token, breaks: frozenset[str]) -> bool:
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
    language: str = "en"


@dataclass(frozen=True)
class Detection:
    mentions: tuple[Mention, ...]

    def __add__(self, other: Detection) -> Detection:
        return Detection(self.mentions + other.mentions)

    @property
    def languages(self) -> tuple[str, ...]:
        """The languages the urgent mentions were written in, first seen first."""
        return tuple(dict.fromkeys(m.language for m in self.mentions if not m.negated))

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
    """The red flags of one language: English by default, or a language the
    red flags are translated into, with its own tokenizer and cues."""

    def __init__(self, nlp, red_flags: RedFlags, language: str = "en"):
        self.nlp = nlp
        self.red_flags = red_flags
        self.language = language
        self.cues = CUES[language]
        # Lemmas only where the pipeline has them (the English one); other
        # languages list their word forms.
        attrs = ("LOWER", "LEMMA") if language == "en" else ("LOWER",)
        self._phrases = {attr: PhraseMatcher(nlp.vocab, attr=attr) for attr in attrs}
        self._groups = {attr: PhraseMatcher(nlp.vocab, attr=attr) for attr in attrs}
        self._combinations = {}
        for symptom in red_flags.symptoms:
            wording = symptom.wording(language)
            self._combinations[symptom.id] = wording.combinations
            if wording.phrases:
                docs = [nlp(self.comparable(p)) for p in wording.phrases]
                for matcher in self._phrases.values():
                    matcher.add(symptom.id, docs)
            for c_index, combination in enumerate(wording.combinations):
                for g_index, group in enumerate(combination):
                    docs = [nlp(self.comparable(word)) for word in group]
                    for matcher in self._groups.values():
                        matcher.add(f"{symptom.id}|{c_index}|{g_index}", docs)

    def _negates(self, doc, index: int) -> bool:
        """A negation cue at `index` that negates: not "no me baja" (will not come down)."""
        if doc[index].lower_ not in self.cues.negation:
            return False
        # "ni el cinturón aguanto": "not even", not a negation of what follows.
        if doc[index].lower_ in self.cues.not_even and index + 1 < len(doc):
            if doc[index + 1].lower_ in self.cues.articles:
                return False
        following = doc[index + 1 : index + 4]
        words = [t.lower_ for t in following]
        while (
            words and words[0] in self.cues.clitics and words[0] not in self.cues.not_negating_after
        ):
            words.pop(0)
        return not (words and words[0] in self.cues.not_negating_after)

    def _negated(self, doc, start: int, end: int, inside: bool) -> bool:
        """Negated by a cue shortly before, inside (for combinations, whose span
        runs across several words), or a resolution cue right after."""
        for index in range(start - 1, max(0, start - NEGATION_WINDOW) - 1, -1):
            if _breaks(doc[index], self.cues.clause_breaks):
                break
            if self._negates(doc, index):
                return True
            if doc[index].lower_ in self.cues.resolved_before:
                before = doc[max(0, index - 3) : index]
                return not any(t.lower_ in self.cues.negation for t in before)
        if inside and any(self._negates(doc, i) for i in range(start, end)):
            return True
        for index in range(end, min(len(doc), end + RESOLVED_WINDOW)):
            token = doc[index]
            if _breaks(token, self.cues.clause_breaks):
                break
            before = {t.lower_ for t in doc[max(0, index - 2) : index]}
            if (
                token.lower_ in self.cues.resolved
                or (token.lower_ in self.cues.resolved_after_ya and doc[index - 1].lower_ == "ya")
                or (token.lower_ in self.cues.not_back and before & self.cues.negation)
            ):
                return True
        return False

    def says_it_is_over(self, text: str) -> bool:
        """A negation that negates ("no tengo", not "no me baja"), a cue that
        something is over ("se me quitó"), or a word that says all is well."""
        doc = self.nlp(self.comparable(text))
        return any(
            self._negates(doc, i)
            or token.lower_ in self.cues.resolved
            or token.lower_ in self.cues.resolved_before
            or token.lower_ in self.cues.all_well
            for i, token in enumerate(doc)
        )

    def _sentence_of(self, doc, index: int) -> int:
        return sum(1 for t in doc[:index] if _breaks(t, self.cues.sentence_breaks))

    def comparable(self, text: str) -> str:
        """The plain text (bot/nlu/plain_text.py: odd spaces, zero-width characters,
        fullwidth letters, curly apostrophes), lowercased: spaCy splits "can't"
        but not "CAN'T"; without accents where the language asks for it. Listed
        phrases get the same treatment as messages."""
        text = plain_text.normalise(text).lower()
        return plain_text.fold_accents(text) if self.cues.fold_accents else text

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
                    self.language,
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
            if len(hits) < len(self._combinations[sid][c_index]):
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
