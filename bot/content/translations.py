"""A topic in another language (`translations:` in content/topics/*.yml):

    translations:
      es:
        title: ...
        answer: ...            # or one text per pump type, as the English
        status: draft          # or reviewed, with reviewed_by and reviewed_on
        translated_from: 3f9a1c2b7d4e   # the English version it was written from
        examples: [...]        # questions the model of that language learns

`translated_from` is the English title and answer's version (`english_version`):
when the English changes, the translation is out of date until a translator
brings it up to date and writes the new version. Whether patients read a draft
or out-of-date translation is the clinic's choice (clinic.yml,
`show_draft_translations`); otherwise they get the English answer with a note.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.content import languages, placeholders, readability
from bot.content.problems import ERROR, WARNING

DRAFT = "draft"
REVIEWED = "reviewed"
STATUSES = (DRAFT, REVIEWED)
FIELDS = ("title", "answer", "status", "reviewed_by", "reviewed_on", "translated_from", "examples")
ANY_PUMP = "any"


def english_version(title: str, variants: Mapping[str, str]) -> str:
    """A short fingerprint of the English title and answer (every pump type's),
    blind to line wrapping: what a translation says it was written from."""
    text = "\n".join([title, *(f"{k}: {variants[k]}" for k in sorted(variants))])
    return hashlib.sha256(" ".join(text.split()).encode()).hexdigest()[:12]


def check_version(
    entry: Mapping, english: str, where: str, problem: Callable[[str, str, str], None]
) -> bool:
    """A translated text (a message, an urgent message) against the English it
    translates: `translated_from` is the English text's version. Missing is an
    error that names the version to write; another version means the English
    changed since (a warning: it needs a translator). True when out of date."""
    current = english_version(english, {})
    written = str(entry.get("translated_from") or "")
    if not written:
        problem(
            ERROR,
            f"{where}.translated_from",
            f"is missing: the English version it was written from (now {current})",
        )
        return True
    if written != current:
        problem(
            WARNING,
            f"{where}.translated_from",
            f"the English changed since this translation ({written}, now {current}): "
            "it needs a translator",
        )
        return True
    return False


def check_status(entry: Mapping, where: str, problem: Callable[[str, str, str], None]) -> str:
    """draft or reviewed; a reviewed one names who reviewed it and when."""
    status = entry.get("status", DRAFT)
    if status not in STATUSES:
        problem(ERROR, f"{where}.status", "must be draft or reviewed (by a qualified translator)")
        return DRAFT
    if status == REVIEWED:
        if not str(entry.get("reviewed_by") or "").strip():
            problem(ERROR, f"{where}.reviewed_by", "is missing: who reviewed the translation")
        if not isinstance(entry.get("reviewed_on"), dt.date):
            problem(ERROR, f"{where}.reviewed_on", "must be the date of the review, YYYY-MM-DD")
    return status


@dataclass(frozen=True)
class TopicTranslation:
    language: str
    title: str = ""
    # {"any": text}, or one text per pump type, as the English answer.
    variants: dict[str, str] = field(default_factory=dict)
    status: str = DRAFT
    reviewed_by: str = ""
    reviewed_on: dt.date | None = None
    translated_from: str = ""
    examples: tuple[str, ...] = ()
    # The English changed since this was written.
    out_of_date: bool = False

    @property
    def has_answer(self) -> bool:
        return bool(self.title and self.variants)

    def answer_for(self, pump_type: str | None) -> str | None:
        return self.variants.get(ANY_PUMP) or self.variants.get(pump_type or "")

    def shown(self, show_drafts: bool) -> bool:
        """Whether patients read it: reviewed and up to date, or the clinic shows drafts."""
        if not self.has_answer:
            return False
        return show_drafts or (self.status == REVIEWED and not self.out_of_date)


def parse(
    value: Any,
    english_title: str,
    english_variants: Mapping[str, str],
    clinic: dict,
    problem: Callable[[str, str, str], None],
    examples_of: Callable[[Any, str], list[str]],
) -> dict[str, TopicTranslation]:
    """Each language's translation of a topic; problems name the file's field.
    `examples_of(value, where)` checks an example list as the loader does."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        problem(ERROR, "translations", "must map a language code (es) to its fields")
        return {}
    found = {}
    current = english_version(english_title, english_variants)
    for language, entry in value.items():
        where = f"translations.{language}"
        if language not in languages.NAMES or language == languages.ENGLISH:
            problem(ERROR, where, "is not a language code of bot/content/languages.py")
            continue
        if not isinstance(entry, dict):
            problem(ERROR, where, f"must be a mapping with {', '.join(FIELDS)}")
            continue
        for key in set(entry) - set(FIELDS):
            problem(ERROR, f"{where}.{key}", "is not a known field")
        examples = tuple(examples_of(entry.get("examples"), f"{where}.examples"))
        current_translation = str(entry.get("translated_from") or "") == current
        title, variants = _text_fields(
            entry, where, english_variants, clinic, problem, current_translation
        )
        status = entry.get("status", DRAFT)
        if status not in STATUSES:
            problem(
                ERROR, f"{where}.status", "must be draft or reviewed (by a qualified translator)"
            )
            status = DRAFT
        reviewed_on = entry.get("reviewed_on")
        if status == REVIEWED:
            if not str(entry.get("reviewed_by") or "").strip():
                problem(ERROR, f"{where}.reviewed_by", "is missing: who reviewed the translation")
            if not isinstance(reviewed_on, dt.date):
                problem(ERROR, f"{where}.reviewed_on", "must be the date of the review, YYYY-MM-DD")
        translated_from = str(entry.get("translated_from") or "")
        if variants and not translated_from:
            problem(
                ERROR,
                f"{where}.translated_from",
                f"is missing: the English version it was written from (now {current})",
            )
        out_of_date = bool(variants) and translated_from != current
        if out_of_date and translated_from:
            problem(
                WARNING,
                f"{where}.translated_from",
                f"the English answer changed since this translation ({translated_from}, now "
                f"{current}): it needs a translator",
            )
        found[language] = TopicTranslation(
            language,
            title,
            variants,
            status,
            str(entry.get("reviewed_by") or ""),
            reviewed_on if isinstance(reviewed_on, dt.date) else None,
            translated_from,
            examples,
            out_of_date,
        )
    return found


def _text_fields(entry: dict, where: str, english_variants, clinic: dict, problem, current: bool):
    """The title and answer: with the English answer's placeholders while it is
    current (once the English changed, only placeholders the clinic defines)."""
    title = entry.get("title")
    answer = entry.get("answer")
    if title is None and answer is None:
        return "", {}
    if not isinstance(title, str) or not title.strip():
        problem(ERROR, f"{where}.title", "is missing: a translated answer needs its title")
        return "", {}
    if isinstance(answer, str):
        variants = {ANY_PUMP: answer}
    elif isinstance(answer, dict) and all(isinstance(v, str) for v in answer.values()):
        variants = dict(answer)
    else:
        problem(ERROR, f"{where}.answer", "must be text, or one text per pump type")
        return "", {}
    if not english_variants:
        return " ".join(title.split()), {}  # the English answer's own problem is reported
    # A pump type the English no longer has is dropped; one it has and this lacks
    # leaves that clinic's patients with the English answer.
    variants = {k: v for k, v in variants.items() if k in english_variants}
    for key in set(english_variants) - set(variants):
        problem(
            WARNING,
            f"{where}.answer",
            f"has no text for pump type '{key}': those clinics' patients get the English answer",
        )
    variants = {k: " ".join(v.split()) for k, v in variants.items()}
    for key, text in variants.items():
        field_name = f"{where}.answer" if key == ANY_PUMP else f"{where}.answer.{key}"
        english = placeholders.names_in(english_variants[key]) if key in english_variants else set()
        spanish = placeholders.names_in(text)
        if not current:
            if undefined := placeholders.unresolved(text, clinic):
                problem(
                    ERROR, field_name, f"uses {', '.join(sorted(undefined))}, which is not defined"
                )
        # One the English uses but the clinic lacks is the English answer's problem.
        elif spanish - english or (english - spanish) & set(clinic):
            problem(
                ERROR,
                field_name,
                "must use the same placeholders as the English "
                f"({', '.join(sorted(english)) or 'none'})",
            )
        ease = readability.spanish_ease(placeholders.fill(text, clinic))
        if ease < readability.MIN_SPANISH_EASE:
            problem(
                WARNING,
                field_name,
                f"reads at Fernández-Huerta {ease} (harder than grade 8); aim for "
                f"{readability.MIN_SPANISH_EASE:g} or more (shorter sentences, simpler words)",
            )
    return " ".join(title.split()), variants
