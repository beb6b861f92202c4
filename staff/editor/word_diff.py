"""What changed in what patients read, word by word, for the History page."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

import yaml

SAME, ADDED, REMOVED = "same", "added", "removed"
# A word with the spaces after it: a change of several words is one mark.
_TOKENS = re.compile(r"^\s+|\S+\s*")


@dataclass(frozen=True)
class Piece:
    kind: str  # same, added or removed
    text: str


def patient_text(file_text: str) -> str:
    """A topic file's title and answer (each pump type's), as plain text; "" if
    the file cannot be read as a topic."""
    try:
        data = yaml.safe_load(file_text) or {}
    except yaml.YAMLError:
        return ""
    if not isinstance(data, dict):
        return ""
    answer = data.get("answer")
    parts = [str(data.get("title") or "")]
    if isinstance(answer, dict):
        parts += [f"({kind} pumps) {' '.join(str(text).split())}" for kind, text in answer.items()]
    elif answer is not None:
        parts.append(" ".join(str(answer).split()))
    return "\n\n".join(part for part in parts if part)


def compare(old: str, new: str) -> list[Piece]:
    """`new` with what it added and what it dropped from `old`, word by word."""
    before, after = _TOKENS.findall(old), _TOKENS.findall(new)
    pieces: list[Piece] = []
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            pieces.append(Piece(SAME, "".join(after[b1:b2])))
            continue
        if a2 > a1:
            pieces.append(Piece(REMOVED, "".join(before[a1:a2])))
        if b2 > b1:
            pieces.append(Piece(ADDED, "".join(after[b1:b2])))
    return pieces
