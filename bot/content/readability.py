"""Reading level of patient-facing text (Flesch-Kincaid grade).

Syllables come from pyphen's hyphenation dictionary, which ships with the
package: nothing is downloaded at run time.
"""

from __future__ import annotations

import re
import statistics
from functools import lru_cache

import pyphen

# NIH asks for patient materials below 8th grade; many health systems aim for 6th-8th.
MAX_GRADE = 8.0
# ... and half of the answers at grade 7 or below (the median), as the average US
# adult reads at about 7th-8th grade.
MAX_MEDIAN_GRADE = 7.0

_WORD = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)?")
_SENTENCE_END = re.compile(r"[.!?]+(?:\s|$)")


@lru_cache(maxsize=1)
def _dictionary() -> pyphen.Pyphen:
    return pyphen.Pyphen(lang="en_US")


def syllables(word: str) -> int:
    return max(1, len(_dictionary().positions(word.lower())) + 1)


def grade(text: str) -> float:
    """Flesch-Kincaid grade: 0.39 (words/sentence) + 11.8 (syllables/word) - 15.59."""
    words = _WORD.findall(text)
    if not words:
        return 0.0
    sentences = max(1, len(_SENTENCE_END.findall(text.strip() + " ")))
    total_syllables = sum(syllables(w) for w in words)
    return round(0.39 * len(words) / sentences + 11.8 * total_syllables / len(words) - 15.59, 1)


def median(grades: list[float]) -> float:
    return round(statistics.median(grades), 1) if grades else 0.0
