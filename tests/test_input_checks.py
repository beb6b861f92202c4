import pytest

from bot.nlu import input_checks


@pytest.mark.parametrize(
    "text", [None, "", "   ", "\u200b\u200b\u200b", "\ufeff", "\u00a0\u2003\u3000", "\u00ad\u2060"]
)
def test_nothing_visible_is_an_empty_message(text):
    assert input_checks.flags(text) == [input_checks.EMPTY]


def test_emoji_joined_by_zero_width_joiners_has_no_words():
    assert input_checks.flags("👨\u200d👩\u200d👧 🙏") == [input_checks.NO_WORDS]


def test_fullwidth_english_is_english():
    assert input_checks.flags("ｗｈａｔ ｉｓ ｔｈｅ ｐｕｍｐ") == []


def test_length_is_counted_without_invisible_characters():
    assert input_checks.flags("a\u200b" * input_checks.MAX_NLU_CHARS) == []
    assert input_checks.flags("a" * (input_checks.MAX_NLU_CHARS + 1)) == [input_checks.TOO_LONG]
