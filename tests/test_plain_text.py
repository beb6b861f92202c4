import pytest

from bot.nlu.plain_text import normalise

SPACES = {
    "no-break space": "\u00a0",
    "narrow no-break space": "\u202f",
    "en space": "\u2002",
    "em space": "\u2003",
    "thin space": "\u2009",
    "ideographic space": "\u3000",
    "tab": "\t",
}
LINE_BREAKS = {
    "line feed": "\n",
    "carriage return and line feed": "\r\n",
    "carriage return": "\r",
    "next line": "\x85",
    "line separator": "\u2028",
    "paragraph separator": "\u2029",
}
INVISIBLE = {
    "zero-width space": "\u200b",
    "zero-width non-joiner": "\u200c",
    "zero-width joiner": "\u200d",
    "word joiner": "\u2060",
    "byte order mark": "\ufeff",
    "soft hyphen": "\u00ad",
    "left-to-right mark": "\u200e",
}


@pytest.mark.parametrize("space", SPACES.values(), ids=SPACES.keys())
def test_every_kind_of_space_becomes_a_plain_space(space):
    assert normalise(f"chest{space}pain") == "chest pain"


@pytest.mark.parametrize("brk", LINE_BREAKS.values(), ids=LINE_BREAKS.keys())
def test_every_kind_of_line_break_becomes_a_line_feed(brk):
    assert normalise(f"no fever{brk}chest pain") == "no fever\nchest pain"


@pytest.mark.parametrize("char", INVISIBLE.values(), ids=INVISIBLE.keys())
def test_invisible_characters_are_removed(char):
    assert normalise(f"fe{char}ver and chest {char}pain") == "fever and chest pain"


def test_fullwidth_letters_digits_and_punctuation_become_ascii():
    assert normalise("Ｃｈｅｓｔ ｐａｉｎ！ １２／３ ｃａｎ＇ｔ") == "Chest pain! 12/3 can't"


def test_typographic_apostrophes_become_plain_ones():
    assert normalise("can\u2019t breathe, I\u2018m") == "can't breathe, I'm"


def test_ligatures_are_spelled_out():
    assert normalise("\ufb01ne") == "fine"


def test_case_and_ordinary_text_are_kept():
    text = "My Pump site is RED. Is that ok? 🙏 ¿Qué?"
    assert normalise(text) == text


@pytest.mark.parametrize("text", [None, "", "\u200b\u200b", "\ufeff\u00ad"])
def test_nothing_visible_gives_an_empty_string(text):
    assert normalise(text) == ""


def test_normalising_twice_changes_nothing():
    text = "Ｉ\u00a0ｈａｖｅ\u200b ｆｅｖｅｒ\u2028and \ufb01ne\u2019s"
    assert normalise(normalise(text)) == normalise(text)
