"""What kind of input a message is, before any model reads it. Runs in the
Rasa server (language detection reads spaCy's word lists)."""

from __future__ import annotations

import unicodedata

from bot.content import languages
from bot.nlu import language, plain_text

# The flags' names and the lengths, shared with the actions that answer them.
from bot.nlu.input_flags import (  # noqa: F401
    EMPTY,
    MAX_NLU_CHARS,
    MAX_SCANNED_CHARS,
    NO_WORDS,
    NUMBERS_ONLY,
    OTHER_LANGUAGE,
    TOO_LONG,
)


def is_other_language(text: str) -> bool:
    """Written in a language the assistant does not answer in (not English or
    Spanish): another script, or another language's common words (bot/nlu/language.py)."""
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return False
    latin = sum(1 for c in letters if "LATIN" in unicodedata.name(c, ""))
    if latin / len(letters) < 0.5:
        return True
    return language.detect(text) not in (*languages.SPOKEN, None)


def flags(text: str | None) -> list[str]:
    """Problems with the input itself, in the order a reply should address them.
    Judged on the plain text: a message of zero-width spaces is empty."""
    text = plain_text.normalise(text)
    if not text.strip():
        return [EMPTY]
    found = []
    if len(text) > MAX_NLU_CHARS:
        found.append(TOO_LONG)
    if not any(c.isalpha() for c in text):
        found.append(NUMBERS_ONLY if any(c.isdigit() for c in text) else NO_WORDS)
    elif is_other_language(text[:MAX_NLU_CHARS]):
        found.append(OTHER_LANGUAGE)
    return found
