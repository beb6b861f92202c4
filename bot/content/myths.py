"""A topic's common false beliefs (`myths:` in a topic file), each with the
plain truth that corrects it.

    myths:
      - belief: The pump cures the cancer.          # what some patients think
        correction: >-                              # what patients read first
          The pump treats cancer in the liver. It does not cure it by itself.
        source: P2                                  # a source of this topic that states the truth
        examples:                                   # questions that carry the belief
          - since the pump cures my cancer do i still need scans
        pump_type: constant_flow                    # optional: true only for this pump

A belief whose truth holds for one pump type only names it (`pump_type`); a
clinic with the other type never shows that correction.

A question that carries a belief gets the correction before the topic's answer
(IntentAndTopicClassifier finds it by retrieval; actions/faq.py says it). The
examples are for that retrieval only: as classifier examples they pulled plain
questions of neighbouring topics to the topic of the belief (`make eval`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.content import placeholders, readability
from bot.content.problems import ERROR, WARNING

FIELDS = ("belief", "correction", "source", "examples", "pump_type")
REQUIRED = FIELDS[:4]
MIN_EXAMPLES = 2


@dataclass(frozen=True)
class Myth:
    belief: str
    correction: str
    source: str
    examples: tuple[str, ...]
    pump_type: str | None = None  # None: true for every pump


def parse(
    value: Any,
    clinic: dict,
    source_keys: list[str] | None,
    problem: Callable[[str, str, str], None],
    pump_types: tuple[str, ...] = (),
) -> list[Myth] | None:
    """The topic's myths; None (with a problem for each fault) if malformed."""
    if value is None:
        return []
    if not isinstance(value, list) or not value:
        problem(ERROR, "myths", "must be a list of beliefs, each with " + ", ".join(REQUIRED))
        return None
    myths, ok = [], True
    for index, entry in enumerate(value):
        where = f"myths[{index}]"
        if not isinstance(entry, dict):
            problem(ERROR, where, "must have " + ", ".join(REQUIRED))
            ok = False
            continue
        for key in entry:
            if key not in FIELDS:
                known_fields = ", ".join(FIELDS)
                problem(ERROR, f"{where}.{key}", f"is not a known field (known: {known_fields})")
                ok = False
        pump_type = entry.get("pump_type")
        if pump_type is not None and pump_type not in pump_types:
            problem(ERROR, f"{where}.pump_type", f"must be {' or '.join(pump_types)}")
            ok = False
        texts = {k: _text(entry.get(k)) for k in ("belief", "correction", "source")}
        for key, text in texts.items():
            if text is None:
                problem(ERROR, f"{where}.{key}", "is missing: it must be non-empty text")
                ok = False
        if texts["source"] and source_keys is not None and texts["source"] not in source_keys:
            problem(
                ERROR,
                f"{where}.source",
                f"'{texts['source']}' is not in this topic's sources: a correction "
                "must come from a source the topic cites",
            )
            ok = False
        if texts["correction"]:
            if missing := placeholders.unresolved(texts["correction"], clinic):
                problem(ERROR, f"{where}.correction", f"names unknown values: {sorted(missing)}")
                ok = False
            else:
                level = readability.grade(placeholders.fill(texts["correction"], clinic))
                if level > readability.MAX_GRADE:
                    problem(
                        WARNING,
                        f"{where}.correction",
                        f"reads at grade {level}; aim for grade {readability.MAX_GRADE:g} or below",
                    )
        examples = entry.get("examples")
        if (
            not isinstance(examples, list)
            or len(examples) < MIN_EXAMPLES
            or not all(isinstance(e, str) and e.strip() and "\n" not in e for e in examples)
        ):
            problem(
                ERROR,
                f"{where}.examples",
                f"must list at least {MIN_EXAMPLES} questions that carry the belief, one line each",
            )
            ok = False
            examples = []
        if ok:
            myths.append(
                Myth(
                    texts["belief"],
                    texts["correction"],
                    texts["source"],
                    tuple(e.strip() for e in examples),
                    pump_type,
                )
            )
    return myths if ok else None


def _text(value: Any) -> str | None:
    return " ".join(value.split()) if isinstance(value, str) and value.strip() else None
