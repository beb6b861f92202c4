"""What kind of input a message is, before any model reads it."""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from bot.nlu import plain_text

# Longer messages are cut to this for the NLU model (one 100,000-character
# message once made Rasa's DIET allocate ~18 GB); red flags are still looked
# for in the whole message, up to MAX_SCANNED_CHARS.
MAX_NLU_CHARS = 1_000
MAX_SCANNED_CHARS = 20_000

EMPTY = "empty_message"
NO_WORDS = "no_words"
TOO_LONG = "too_long"
OTHER_LANGUAGE = "other_language"
OTHER_LANGUAGES = ("es", "fr", "de", "pt", "it")


def _spacy_stop_words(code: str) -> set[str]:
    """spaCy's stop words for a language, from its spacy/lang/<code>/stop_words.py
    alone: importing spacy.lang.<code>.stop_words imports the whole language
    package first (tokenizer exceptions, lemmatizer ...), ~2 s a language. The
    file is a plain list of words with no imports of its own."""
    from importlib.util import find_spec, module_from_spec, spec_from_file_location
    from pathlib import Path

    spacy = find_spec("spacy")  # finds the package without importing it
    if spacy is None or not spacy.submodule_search_locations:
        raise ImportError("spaCy is not installed")
    path = Path(next(iter(spacy.submodule_search_locations))) / "lang" / code / "stop_words.py"
    spec = spec_from_file_location(f"_haip_stop_words_{code}", path)
    module = module_from_spec(spec)
    spec.loader.exec_module(module)
    return set(module.STOP_WORDS)


@lru_cache(maxsize=1)
def _stop_words() -> tuple[frozenset[str], frozenset[str]]:
    english = frozenset(_spacy_stop_words("en"))
    others = set()
    for code in OTHER_LANGUAGES:
        others |= _spacy_stop_words(code)
    return english, frozenset(others - english)


def _words(text: str) -> list[str]:
    cleaned = "".join(c if c.isalpha() or c == "'" else " " for c in text.lower())
    return cleaned.split()


def is_other_language(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return False
    latin = sum(1 for c in letters if "LATIN" in unicodedata.name(c, ""))
    if latin / len(letters) < 0.5:
        return True
    english, others = _stop_words()
    words = _words(text)
    if len(words) < 3:
        return False
    english_hits = sum(w in english for w in words)
    other_hits = sum(w in others for w in words)
    return other_hits >= 2 and other_hits > english_hits and other_hits / len(words) >= 0.3


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
        found.append(NO_WORDS)
    elif is_other_language(text[:MAX_NLU_CHARS]):
        found.append(OTHER_LANGUAGE)
    return found
