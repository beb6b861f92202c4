"""content/red_flags.yml: symptoms that may be an emergency, and what to say."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.content import placeholders
from bot.content.problems import ERROR, WARNING, Problem
from bot.content.yaml_files import read_mapping

FILE = "red_flags.yml"
REL = f"content/{FILE}"
EMERGENCY = "emergency"
CALL_NOW = "call_now"
UNSPECIFIED = "unspecified"
LEVELS = (EMERGENCY, CALL_NOW, UNSPECIFIED)
TOP_FIELDS = {"reviewed_on", "reviewed_by", "levels", "symptoms", "examples"}
SYMPTOM_FIELDS = {"id", "name", "level", "sources", "phrases", "combinations", "topics"}


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


@dataclass(frozen=True)
class RedFlags:
    messages: dict[str, str]
    symptoms: tuple[Symptom, ...]
    examples: tuple[str, ...]

    def symptom(self, symptom_id: str) -> Symptom | None:
        return next((s for s in self.symptoms if s.id == symptom_id), None)


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
    phrases = _texts(entry.get("phrases", []))
    if phrases is None:
        problem(ERROR, "phrases", "must be a list of text items")
        phrases = []
    combinations = []
    for c_index, combination in enumerate(entry.get("combinations", []) or []):
        groups = combination if isinstance(combination, list) else None
        if not groups or len(groups) < 2 or any(_texts(g) is None for g in groups):
            problem(
                ERROR,
                f"combinations[{c_index}]",
                "must be a list of two or more word lists, e.g. [[pump, incision], [red]]",
            )
            continue
        combinations.append(tuple(tuple(_texts(g)) for g in groups))
    if not phrases and not combinations:
        problem(ERROR, "phrases", "a symptom needs phrases or combinations to be detected")
    topics = _texts(entry.get("topics", []))
    if topics is None:
        problem(ERROR, "topics", "must be a list of topic ids")
        topics = []
    for topic in topics:
        if topic_ids is not None and topic not in topic_ids:
            problem(ERROR, "topics", f"'{topic}' is not a topic id")
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
    )


def load(
    root: Path,
    clinic: dict,
    sources: dict,
    problems: list[Problem],
    topic_ids: set[str] | None = None,
) -> RedFlags | None:
    data = read_mapping(root / FILE, REL, problems)
    if data is None:
        return None
    before = len([p for p in problems if p.level == ERROR])
    for key in set(data) - TOP_FIELDS:
        problems.append(Problem(ERROR, REL, str(key), "is not a known field"))
    for key in ("reviewed_on", "reviewed_by"):
        if not data.get(key):
            problems.append(Problem(ERROR, REL, key, "is missing"))
    messages = {}
    levels = data.get("levels") if isinstance(data.get("levels"), dict) else {}
    for level in LEVELS:
        entry = levels.get(level)
        text = entry.get("message") if isinstance(entry, dict) else None
        if not isinstance(text, str) or not text.strip():
            problems.append(Problem(ERROR, REL, f"levels.{level}.message", "is missing"))
            continue
        allowed = {**clinic, "symptoms": ""}
        if missing := placeholders.unresolved(text, allowed):
            problems.append(
                Problem(
                    ERROR,
                    REL,
                    f"levels.{level}.message",
                    f"uses {', '.join(sorted(missing))}, which is not defined",
                )
            )
        messages[level] = text.strip()
    symptoms = []
    entries = data.get("symptoms")
    if not isinstance(entries, list) or not entries:
        problems.append(Problem(ERROR, REL, "symptoms", "must list at least one symptom"))
        entries = []
    for index, entry in enumerate(entries):
        if (symptom := _symptom(entry, index, clinic, sources, problems, topic_ids)) is not None:
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
    if len([p for p in problems if p.level == ERROR]) > before:
        return None
    return RedFlags(messages=messages, symptoms=tuple(symptoms), examples=tuple(examples))
