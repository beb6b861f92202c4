"""content/messages.yml: the assistant's texts outside the FAQ topics."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot import placeholders, readability
from bot.problems import ERROR, WARNING, Problem

FILE = "messages.yml"
REL = f"content/{FILE}"
REQUIRED = (
    "welcome",
    "not_sure",
    "not_sure_no_topics",
    "out_of_scope",
    "medical_advice",
    "handoff",
    "empty_message",
    "no_words",
    "too_long",
    "other_language",
)


@dataclass(frozen=True)
class Message:
    key: str
    text: str
    buttons: tuple[str, ...] = ()


def load(
    root: Path, clinic: dict, topic_ids: set[str], problems: list[Problem], read_yaml
) -> dict[str, Message]:
    path = root / FILE
    if not path.exists():
        problems.append(Problem(ERROR, REL, "(file)", "is missing"))
        return {}
    data = read_yaml(path, REL, problems)
    if not isinstance(data, dict):
        if data is not None:
            problems.append(Problem(ERROR, REL, "(file)", "must be a mapping of field: value"))
        return {}
    for key in set(data) - {"reviewed_on", "reviewed_by", "messages"}:
        problems.append(Problem(ERROR, REL, str(key), "is not a known field"))
    entries = data.get("messages") if isinstance(data.get("messages"), dict) else {}
    messages = {}
    for key in REQUIRED:
        where = f"messages.{key}"
        entry = entries.get(key)
        text = entry.get("text") if isinstance(entry, dict) else None
        if not isinstance(text, str) or not text.strip():
            problems.append(Problem(ERROR, REL, f"{where}.text", "is missing"))
            continue
        if missing := placeholders.unresolved(text, clinic):
            problems.append(
                Problem(
                    ERROR,
                    REL,
                    f"{where}.text",
                    f"uses {', '.join(sorted(missing))}, which is not defined",
                )
            )
            continue
        buttons = entry.get("buttons") or []
        unknown = [b for b in buttons if b not in topic_ids]
        if unknown:
            problems.append(
                Problem(
                    ERROR,
                    REL,
                    f"{where}.buttons",
                    f"{', '.join(map(str, unknown))} is not a topic id",
                )
            )
            continue
        level = readability.grade(placeholders.fill(text, clinic))
        if level > readability.MAX_GRADE:
            problems.append(Problem(WARNING, REL, f"{where}.text", f"reads at grade {level}"))
        messages[key] = Message(key, text.strip(), tuple(buttons))
    for key in set(entries) - set(REQUIRED):
        problems.append(Problem(ERROR, REL, f"messages.{key}", "is not a known message"))
    return messages
