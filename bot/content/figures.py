"""Figures in patient-facing text: numbers, percentages and time spans.

A topic's answer may state a figure only if one of the topic's `facts` (a short
claim with its source) holds the same figure, so no number enters an answer
without a source. `figures(text)` finds them; `held_by(figure, facts)` checks.

  "about 2 to 29 of every 100 people"  -> 2 %, 29 %   (N of 100 is N %)
  "2 to 6 weeks off work"              -> 2 weeks, 6 weeks
  "a 24-hour line"                     -> 24 hours
  "a median of 9.2 months"             -> 9.2 months
  "Six cycles were planned"            -> 6
  "5-FU", "Tc-99m", "911", {placeholders}  -> nothing (names, the emergency number,
                                              clinic values from clinic.yml)

A figure with a unit (% or a time unit) is held by a fact with the same number
and unit, or the same number with no unit; a bare number by the same number
with any unit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.content import placeholders

UNITS = {
    "%": "%",
    "percent": "%",
    "per cent": "%",
    "minute": "minutes",
    "minutes": "minutes",
    "min": "minutes",
    "hour": "hours",
    "hours": "hours",
    "hr": "hours",
    "hrs": "hours",
    "day": "days",
    "days": "days",
    "week": "weeks",
    "weeks": "weeks",
    "wk": "weeks",
    "month": "months",
    "months": "months",
    "mo": "months",
    "year": "years",
    "years": "years",
    "yr": "years",
}
# Spelled-out numbers count too ("two weeks", "six cycles"); "one" does not,
# because "one program", "one fill" and "one of them" use it as a word, not a figure.
NUMBER_WORDS = {
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "hundred": 100,
}
# Not figures: the emergency number.
NOT_FIGURES = {"911"}

_NUMBER = r"(?:\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?|" + "|".join(NUMBER_WORDS) + r")"
_UNIT = r"(?:%|per ?cent\b|(?:minutes?|min|hours?|hrs?|hr|days?|weeks?|wk|months?|mo|years?|yr)\b)"
# A number, then optionally "to|-|–|or" and a second number (a range), then
# optionally "-"/space and a unit; "of (every) 100" and "out of (every) 100" make it a %.
_FIGURE = re.compile(
    rf"(?<![\w.-])(?P<a>{_NUMBER})"
    rf"(?:\s*(?:to|-|–|—|or)\s*(?P<b>{_NUMBER}))?"
    rf"(?:(?:\s*-\s*|\s+|)(?P<unit>{_UNIT})"
    rf"|\s+(?:out\s+)?of\s+(?:every\s+)?(?P<hundred>100|hundred)\b)?"
    rf"(?P<tail>-?[A-Za-z]\w*)?",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Figure:
    value: float
    unit: str | None  # "%", a time unit, or None for a bare number
    text: str  # as written, for messages

    def __str__(self) -> str:
        return self.text


def _value(token: str) -> float:
    word = token.lower()
    if word in NUMBER_WORDS:
        return float(NUMBER_WORDS[word])
    return float(token.replace(",", ""))


def figures(text: str) -> list[Figure]:
    """Every figure stated in the text; clinic placeholders are not figures."""
    text = placeholders.PLACEHOLDER.sub(" ", text)
    found = []
    for match in _FIGURE.finditer(text):
        a, b = match.group("a"), match.group("b")
        unit = match.group("unit")
        tail = match.group("tail")
        if tail and not unit and not match.group("hundred"):
            # "5-FU", "99m", "3000A": part of a name, unless a unit is joined on
            # ("24-hour" is caught as a unit above).
            if tail.startswith("-") or not b:
                continue
        if a in NOT_FIGURES and not b:
            continue
        if match.group("hundred"):
            unit = "%"
        normalised = UNITS.get(" ".join(unit.lower().split())) if unit else None
        written = match.group(0)
        if tail and written.endswith(tail):
            written = written[: -len(tail)]
        for token in (a, b):
            if token:
                found.append(Figure(_value(token), normalised, written.strip()))
    return found


def held_by(figure: Figure, claims: list[str]) -> bool:
    for claim in claims:
        for other in figures(claim):
            if other.value != figure.value:
                continue
            if figure.unit is None or other.unit is None or other.unit == figure.unit:
                return True
    return False


def unsourced(text: str, claims: list[str]) -> list[Figure]:
    """Figures in the text that none of the claims holds, each once."""
    missing, seen = [], set()
    for figure in figures(text):
        key = (figure.value, figure.unit)
        if key not in seen and not held_by(figure, claims):
            seen.add(key)
            missing.append(figure)
    return missing
