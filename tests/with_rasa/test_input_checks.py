import pytest

from bot.nlu import input_checks, language


@pytest.mark.parametrize(
    "text", [None, "", "   ", "\u200b\u200b\u200b", "\ufeff", "\u00a0\u2003\u3000", "\u00ad\u2060"]
)
def test_nothing_visible_is_an_empty_message(text):
    assert input_checks.flags(text) == [input_checks.EMPTY]


def test_emoji_joined_by_zero_width_joiners_has_no_words():
    assert input_checks.flags("👨\u200d👩\u200d👧 🙏") == [input_checks.NO_WORDS]


@pytest.mark.parametrize("text", ["123456", "123 456", "３/１４", "+1 (202) 555-0143"])
def test_numbers_without_words_are_not_taken_for_emoji(text):
    assert input_checks.flags(text) == [input_checks.NUMBERS_ONLY]


def test_fullwidth_english_is_english():
    assert input_checks.flags("ｗｈａｔ ｉｓ ｔｈｅ ｐｕｍｐ") == []


def test_length_is_counted_without_invisible_characters():
    assert input_checks.flags("a\u200b" * input_checks.MAX_NLU_CHARS) == []
    assert input_checks.flags("a" * (input_checks.MAX_NLU_CHARS + 1)) == [input_checks.TOO_LONG]


def test_stop_words_are_spacy_s_own_without_its_language_packages():
    import subprocess
    import sys

    # In a fresh interpreter: read from the files alone, no spaCy language is imported.
    code = (
        "import sys; from bot.nlu import language as c; words = c._words_of(); "
        "print(len(words), "
        "sorted(m for m in sys.modules if m.startswith('spacy.lang')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split(" ", 1)[1].strip() == "[]"

    # The same words as spaCy's stop_words modules, without accents, with the
    # words English shares left to English.
    from importlib import import_module

    from bot.nlu.plain_text import fold_accents

    words = language._words_of()
    english = {fold_accents(w) for w in import_module("spacy.lang.en.stop_words").STOP_WORDS}
    assert english <= words["en"]
    for code in ("es", "fr", "de", "pt", "it", "tl"):
        module = import_module(f"spacy.lang.{code}.stop_words")
        theirs = {fold_accents(w) for w in module.STOP_WORDS}
        assert theirs - words["en"] <= words[code] and not words[code] & words["en"]
    assert "pour" in words["fr"] and "und" in words["de"] and "para" in words["es"]
