"""Which language a message is written in, as far as a short chat message tells.

By script first (Chinese, Japanese, Korean, Arabic, Cyrillic, Vietnamese's own
letters), then by the common words of each Latin-script language (spaCy's stop
word lists, compared without accents: "esta" and "está" are one word on a
phone). Returns None when a message does not say: a word or two, a name, mixed.
No model and no download: the answer must be the same on every machine, and a
wrong guess costs little (the reply to a language we do not speak is in that
language where we know it, and in English and Spanish otherwise).
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from functools import lru_cache

from bot.nlu.plain_text import fold_accents

ENGLISH = "en"
SPANISH = "es"
# Latin-script languages told apart by their common words.
BY_WORDS = ("en", "es", "fr", "de", "pt", "it", "tl")
# Letters that only one language of ours uses.
_SCRIPTS = (
    ("HANGUL", "ko"),
    ("HIRAGANA", "ja"),
    ("KATAKANA", "ja"),
    ("CJK", "zh"),
    ("ARABIC", "ar"),
    ("CYRILLIC", "ru"),
)
# Vietnamese: its hooked and dotted vowels and đ (Latin Extended Additional).
_VIETNAMESE = set("đơư") | {chr(c) for c in range(0x1EA0, 0x1EFA)}
# Words that are not in the stop lists but settle a short message.
_EXTRA = {
    "es": {"hola", "gracias", "buenos", "buenas", "dias", "tengo", "bomba", "ayuda", "quiero"},
    "en": {"hi", "hello", "thanks", "thank", "pump", "help", "yes", "ok", "okay"},
}


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
def _words_of() -> dict[str, frozenset[str]]:
    words = {
        code: {fold_accents(w) for w in _spacy_stop_words(code) | _EXTRA.get(code, set())}
        for code in BY_WORDS
    }
    # A word English uses too ("a", "me") tells nothing against English.
    return {
        code: frozenset(vocab if code == ENGLISH else vocab - words[ENGLISH])
        for code, vocab in words.items()
    }


def _script(letters: list[str]) -> str | None:
    counts = Counter()
    for c in letters:
        name = unicodedata.name(c, "")
        for script, code in _SCRIPTS:
            if name.startswith(script) or f" {script}" in name:
                counts[code] += 1
                break
        else:
            if "LATIN" not in name:
                counts["other"] += 1
    if not counts or sum(counts.values()) < len(letters) / 2:
        return None
    # Japanese writes kanji beside its kana: any kana makes it Japanese.
    if counts["ja"]:
        return "ja"
    code, _ = counts.most_common(1)[0]
    return code


def _words(text: str) -> list[str]:
    cleaned = "".join(c if c.isalpha() or c == "'" else " " for c in text.lower())
    return fold_accents(cleaned).split()


def detect(text: str) -> str | None:
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return None
    script = _script(letters)
    if script is not None:
        return None if script == "other" else script
    if sum(c.lower() in _VIETNAMESE for c in letters) >= 2:
        return "vi"
    words = _words(text)
    if not words:
        return None
    if len(words) < 3:
        # One or two words say little: only the curated ones and longer common
        # words ("tengo", not "yo" or "stop") count.
        words = [w for w in words if len(w) >= 5 or any(w in extra for extra in _EXTRA.values())]
    hits = {code: sum(w in vocab for w in words) for code, vocab in _words_of().items()}
    best = max(hits, key=lambda code: (hits[code], code == ENGLISH, code == SPANISH))
    if hits[best] == 0:
        return None
    runner_up = max(h for code, h in hits.items() if code != best)
    if hits[best] == runner_up:
        return None
    if best != ENGLISH and len(words) >= 3 and (hits[best] < 2 or hits[best] / len(words) < 0.3):
        return None
    return best
