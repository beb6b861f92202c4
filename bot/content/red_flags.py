"""content/red_flags.yml: symptoms that may be an emergency, and what to say.

A clinician signs (bot/content/sign_off.py) each symptom and each level's
urgent message, as separate entries:

- a symptom's sign-off covers what decides the guidance a patient gets for it:
  its name (said back in the urgent message), its level (911 or the 24-hour
  line) and the English words that bring it (phrases and combinations). Its
  sources are shown beside it; its translations are a translator's to review.
- a level's sign-off covers its English urgent message, which every symptom of
  that level shares: the words are signed once, not once per symptom.

Unsigned, they are given all the same, whatever `serve_only_signed` says.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.content import placeholders
from bot.content import sign_off as sign_off_module
from bot.content.problems import ERROR, WARNING, Problem
from bot.content.translations import check_version, english_version
from bot.content.yaml_files import read_mapping

FILE = "red_flags.yml"
REL = f"content/{FILE}"
EMERGENCY = "emergency"
CALL_NOW = "call_now"
UNSPECIFIED = "unspecified"
LEVELS = (EMERGENCY, CALL_NOW, UNSPECIFIED)
TOP_FIELDS = {"reviewed_on", "reviewed_by", "levels", "symptoms", "examples", "translations"}
SYMPTOM_FIELDS = {
    "id",
    "name",
    "level",
    "sources",
    "phrases",
    "combinations",
    "topics",
    "translations",
    *sign_off_module.FIELDS,
}
LEVEL_FIELDS = {"message", "translations", *sign_off_module.FIELDS}
# Languages the red flags may be written in besides English; each has its matcher
# (bot/nlu/red_flag_matcher.py) and its urgent messages.
LANGUAGES = ("es",)
TRANSLATION_STATUSES = ("draft", "reviewed")


@dataclass(frozen=True)
class Wording:
    """How a symptom is named and written in one language."""

    name: str
    phrases: tuple[str, ...]
    # Each combination is a tuple of word groups; all groups must appear together.
    combinations: tuple[tuple[tuple[str, ...], ...], ...]


@dataclass(frozen=True)
class Translation:
    """The red flags in another language: its urgent messages, its model examples,
    and whether a qualified translator has reviewed them."""

    language: str
    messages: dict[str, str]
    examples: tuple[str, ...]
    status: str
    reviewed_by: str = ""
    reviewed_on: str = ""


@dataclass(frozen=True)
class Symptom:
    id: str
    name: str
    level: str
    sources: tuple[str, ...]
    phrases: tuple[str, ...]
    # Each combination is a tuple of word groups; all groups must appear together.
    combinations: tuple[tuple[tuple[str, ...], ...], ...]
    # Topics whose answer may follow the urgent line when a patient asks about
    # this symptom ("what are the warning signs of bile duct damage, like yellow skin?").
    topics: tuple[str, ...] = ()
    # The symptom's name, phrases and combinations in other languages.
    wordings: dict[str, Wording] = field(default_factory=dict)
    # A clinician's sign-off, if given.
    sign_off: sign_off_module.SignOff | None = None

    @property
    def version(self) -> str:
        """What a sign-off names: the name, level, phrases and combinations."""
        return english_version(
            self.name,
            {
                "level": self.level,
                "phrases": "; ".join(self.phrases),
                "combinations": "; ".join(
                    " + ".join("/".join(group) for group in c) for c in self.combinations
                ),
            },
        )

    def wording(self, language: str) -> Wording:
        if language in self.wordings:
            return self.wordings[language]
        return Wording(self.name, self.phrases, self.combinations)


@dataclass(frozen=True)
class Level:
    """A level's English urgent message and its clinician's sign-off."""

    level: str
    message: str
    sign_off: sign_off_module.SignOff | None = None

    @property
    def version(self) -> str:
        """The message's version, as a translation's `translated_from` names it."""
        return english_version(self.message, {})


@dataclass(frozen=True)
class RedFlags:
    messages: dict[str, str]
    symptoms: tuple[Symptom, ...]
    examples: tuple[str, ...]
    translations: dict[str, Translation] = field(default_factory=dict)
    levels: dict[str, Level] = field(default_factory=dict)

    def symptom(self, symptom_id: str) -> Symptom | None:
        return next((s for s in self.symptoms if s.id == symptom_id), None)

    @property
    def languages(self) -> tuple[str, ...]:
        """English, then every language the red flags are translated into."""
        return ("en", *self.translations)

    def messages_in(self, language: str) -> dict[str, str]:
        translation = self.translations.get(language)
        return translation.messages if translation else self.messages


def _texts(value: Any) -> list[str] | None:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        return None
    return [v.strip() for v in value]


def _symptom(
    entry: Any,
    index: int,
    clinic: dict,
    sources: dict,
    problems: list[Problem],
    topic_ids: set[str] | None = None,
    today: dt.date | None = None,
) -> Symptom | None:
    where = f"symptoms[{index}]"
    if not isinstance(entry, dict):
        problems.append(Problem(ERROR, REL, where, "must be a mapping with id, name, level, ..."))
        return None
    sid = entry.get("id") if isinstance(entry.get("id"), str) else where

    def problem(level: str, field: str, message: str) -> None:
        problems.append(Problem(level, REL, f"{where}.{field}", message, topic=sid))

    before = len(problems)
    for key in set(entry) - SYMPTOM_FIELDS:
        problem(ERROR, str(key), "is not a known symptom field")
    for key in ("id", "name", "level"):
        if not isinstance(entry.get(key), str) or not entry[key].strip():
            problem(ERROR, key, "is missing")
    if isinstance(entry.get("level"), str) and entry["level"] not in (EMERGENCY, CALL_NOW):
        problem(ERROR, "level", f"must be {EMERGENCY} (call 911) or {CALL_NOW} (24-hour line)")
    keys = entry.get("sources", [])
    if _texts(keys) is None and keys != []:
        problem(ERROR, "sources", "must be a list of keys from content/sources.yml")
        keys = []
    for key in keys:
        if key not in sources:
            problem(ERROR, "sources", f"'{key}' is not defined in content/sources.yml")
    if not keys:
        problem(WARNING, "sources", "has no source: a clinician must confirm this symptom")
    phrases, combinations = _detection(entry, "", problem)
    topics = _texts(entry.get("topics", []))
    if topics is None:
        problem(ERROR, "topics", "must be a list of topic ids")
        topics = []
    for topic in topics:
        if topic_ids is not None and topic not in topic_ids:
            problem(ERROR, "topics", f"'{topic}' is not a topic id")
    wordings = {}
    translations = entry.get("translations", {})
    if not isinstance(translations, dict):
        problem(ERROR, "translations", "must map a language code (es) to name and phrases")
        translations = {}
    for language, wording in translations.items():
        prefix = f"translations.{language}"
        if language not in LANGUAGES:
            problem(
                ERROR, prefix, f"is not a language the assistant speaks ({', '.join(LANGUAGES)})"
            )
            continue
        if not isinstance(wording, dict):
            problem(ERROR, prefix, "must be a mapping with name, phrases and combinations")
            continue
        for key in set(wording) - {"name", "phrases", "combinations"}:
            problem(ERROR, f"{prefix}.{key}", "is not a known field")
        name = wording.get("name")
        if not isinstance(name, str) or not name.strip():
            problem(ERROR, f"{prefix}.name", "is missing")
            continue
        w_phrases, w_combinations = _detection(wording, f"{prefix}.", problem)
        wordings[language] = Wording(name.strip(), tuple(w_phrases), tuple(w_combinations))
    signed = sign_off_module.parse(entry, today or dt.date.today(), problem)
    if len(problems) > before and any(p.level == ERROR for p in problems[before:]):
        return None
    return Symptom(
        sid,
        entry["name"].strip(),
        entry["level"],
        tuple(keys),
        tuple(phrases),
        tuple(combinations),
        tuple(topics),
        wordings,
        signed,
    )


def _detection(entry: dict, prefix: str, problem) -> tuple[list[str], list]:
    """The phrases and combinations of a symptom (or of its wording in a language)."""
    phrases = _texts(entry.get("phrases", []))
    if phrases is None:
        problem(ERROR, f"{prefix}phrases", "must be a list of text items")
        phrases = []
    combinations = []
    for c_index, combination in enumerate(entry.get("combinations", []) or []):
        groups = combination if isinstance(combination, list) else None
        if not groups or len(groups) < 2 or any(_texts(g) is None for g in groups):
            problem(
                ERROR,
                f"{prefix}combinations[{c_index}]",
                "must be a list of two or more word lists, e.g. [[pump, incision], [red]]",
            )
            continue
        combinations.append(tuple(tuple(_texts(g)) for g in groups))
    if not phrases and not combinations:
        problem(ERROR, f"{prefix}phrases", "a symptom needs phrases or combinations to be detected")
    return phrases, combinations


def load(
    root: Path,
    clinic: dict,
    sources: dict,
    problems: list[Problem],
    topic_ids: set[str] | None = None,
    today: dt.date | None = None,
) -> RedFlags | None:
    today = today or dt.date.today()
    data = read_mapping(root / FILE, REL, problems)
    if data is None:
        return None
    before = len([p for p in problems if p.level == ERROR])
    for key in set(data) - TOP_FIELDS:
        problems.append(Problem(ERROR, REL, str(key), "is not a known field"))
    for key in ("reviewed_on", "reviewed_by"):
        if not data.get(key):
            problems.append(Problem(ERROR, REL, key, "is missing"))
    levels = data.get("levels") if isinstance(data.get("levels"), dict) else {}
    messages = _messages(levels, "", clinic, problems)
    signed_levels = _levels(levels, messages, today, problems)
    symptoms = []
    entries = data.get("symptoms")
    if not isinstance(entries, list) or not entries:
        problems.append(Problem(ERROR, REL, "symptoms", "must list at least one symptom"))
        entries = []
    for index, entry in enumerate(entries):
        if (
            symptom := _symptom(entry, index, clinic, sources, problems, topic_ids, today)
        ) is not None:
            if any(s.id == symptom.id for s in symptoms):
                problems.append(
                    Problem(
                        ERROR,
                        REL,
                        f"symptoms[{index}].id",
                        f"'{symptom.id}' is used twice",
                        topic=symptom.id,
                    )
                )
                continue
            symptoms.append(symptom)
    examples = _texts(data.get("examples", []))
    if examples is None:
        problems.append(Problem(ERROR, REL, "examples", "must be a list of text items"))
    translations = _translations(data, levels, symptoms, clinic, problems)
    if len([p for p in problems if p.level == ERROR]) > before:
        return None
    return RedFlags(
        messages=messages,
        symptoms=tuple(symptoms),
        examples=tuple(examples),
        translations=translations,
        levels=signed_levels,
    )


def _levels(
    levels: dict, messages: dict[str, str], today: dt.date, problems: list[Problem]
) -> dict[str, Level]:
    """Each level's urgent message with its sign-off; a level's other fields
    are refused by name."""
    found = {}
    for level in LEVELS:
        entry = levels.get(level)
        if not isinstance(entry, dict):
            continue
        for key in set(entry) - LEVEL_FIELDS:
            problems.append(Problem(ERROR, REL, f"levels.{level}.{key}", "is not a known field"))
        signed = sign_off_module.parse(
            entry, today, sign_off_module.problems_at(problems, REL, f"levels.{level}")
        )
        if level in messages:
            found[level] = Level(level, messages[level], signed)
    return found


def _messages(levels: dict, language: str, clinic: dict, problems: list[Problem]) -> dict:
    """The urgent message of each level, in English or in `language`."""
    messages = {}
    for level in LEVELS:
        entry = levels.get(level)
        where = f"levels.{level}.message"
        if language:
            where = f"levels.{level}.translations.{language}.message"
            entry = (entry or {}).get("translations", {}) if isinstance(entry, dict) else {}
            entry = entry.get(language) if isinstance(entry, dict) else None
        text = entry.get("message") if isinstance(entry, dict) else None
        if not isinstance(text, str) or not text.strip():
            problems.append(Problem(ERROR, REL, where, "is missing"))
            continue
        english = (levels.get(level) or {}).get("message") if language else None
        if isinstance(english, str):
            # Whether the translation is reviewed is the file's (translations.<language>).
            check_version(
                entry,
                english,
                where.removesuffix(".message"),
                lambda level_, field_, text_: problems.append(Problem(level_, REL, field_, text_)),
            )
        allowed = {**clinic, "symptoms": ""}
        if missing := placeholders.unresolved(text, allowed):
            problems.append(
                Problem(
                    ERROR, REL, where, f"uses {', '.join(sorted(missing))}, which is not defined"
                )
            )
        messages[level] = text.strip()
    return messages


def _translations(
    data: dict, levels: dict, symptoms: list[Symptom], clinic: dict, problems: list[Problem]
) -> dict[str, Translation]:
    """Each language the red flags are written in: all of it or none (a patient
    must never get half the urgent guidance in one language)."""
    entries = data.get("translations", {})
    if not isinstance(entries, dict):
        problems.append(
            Problem(ERROR, REL, "translations", "must map a language code to its status")
        )
        return {}
    translations = {}
    for language, entry in entries.items():
        where = f"translations.{language}"
        if language not in LANGUAGES:
            problems.append(
                Problem(
                    ERROR,
                    REL,
                    where,
                    f"is not a language the assistant speaks ({', '.join(LANGUAGES)})",
                )
            )
            continue
        if not isinstance(entry, dict):
            problems.append(
                Problem(ERROR, REL, where, "must be a mapping with status and examples")
            )
            continue
        for key in set(entry) - {"status", "reviewed_by", "reviewed_on", "examples"}:
            problems.append(Problem(ERROR, REL, f"{where}.{key}", "is not a known field"))
        status = entry.get("status")
        if status not in TRANSLATION_STATUSES:
            problems.append(
                Problem(
                    ERROR,
                    REL,
                    f"{where}.status",
                    "must be draft or reviewed (by a qualified translator)",
                )
            )
            continue
        if status == "reviewed":
            for key in ("reviewed_by", "reviewed_on"):
                if not entry.get(key):
                    problems.append(Problem(ERROR, REL, f"{where}.{key}", "is missing"))
        examples = _texts(entry.get("examples", []))
        if examples is None:
            problems.append(
                Problem(ERROR, REL, f"{where}.examples", "must be a list of text items")
            )
            examples = []
        messages = _messages(levels, language, clinic, problems)
        for symptom in symptoms:
            if language not in symptom.wordings:
                problems.append(
                    Problem(
                        ERROR,
                        REL,
                        f"symptoms.{symptom.id}.translations.{language}",
                        "is missing: every symptom needs its name and phrases in each language",
                        topic=symptom.id,
                    )
                )
        translations[language] = Translation(
            language,
            messages,
            tuple(examples),
            status,
            str(entry.get("reviewed_by") or ""),
            str(entry.get("reviewed_on") or ""),
        )
    return translations
