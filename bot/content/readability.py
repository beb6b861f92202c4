"""Reading level of patient-facing text: Flesch-Kincaid grade for English,
Fernández-Huerta ease for Spanish.

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
_SPANISH_WORD = re.compile(r"[^\W\d_]+")
# Fernández-Huerta ease: 60-70 reads as 7th-8th grade, 70-80 as 6th, 80-90 as 5th;
# below 60 is harder than grade 8.
MIN_SPANISH_EASE = 60.0
_SENTENCE_END = re.compile(r"[.!?]+(?:\s|$)")


@lru_cache(maxsize=2)
def _dictionary(language: str = "en_US") -> pyphen.Pyphen:
    return pyphen.Pyphen(lang=language)


def syllables(word: str, language: str = "en_US") -> int:
    return max(1, len(_dictionary(language).positions(word.lower())) + 1)


def spanish_ease(text: str) -> float:
    """Fernández-Huerta: 206.84 - 0.60 (syllables per 100 words) - 1.02 (sentences
    per 100 words); higher is easier."""
    words = _SPANISH_WORD.findall(text)
    if not words:
        return 100.0
    sentences = max(1, len(_SENTENCE_END.findall(text.strip() + " ")))
    per_100 = 100 / len(words)
    total_syllables = sum(syllables(w, "es") for w in words)
    return round(206.84 - 0.60 * total_syllables * per_100 - 1.02 * sentences * per_100, 1)


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
