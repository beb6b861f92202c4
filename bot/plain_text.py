"""One plain form for whatever keyboard, phone or copy-paste a message came from.

"chest pain" can arrive with a non-breaking space between the words, a
zero-width space inside them, or in fullwidth letters from an Asian-language
keyboard; a patient sees the same words either way, and so must every check
and model. InputGuard puts every message into this form before the red-flag
matcher and the NLU models read it, and the date reader does the same.
"""

from __future__ import annotations

import re
import unicodedata

# Every Unicode space and line break: NBSP, narrow NBSP, en and em spaces, the
# ideographic space, tabs, line and paragraph separators. Python's \s covers
# them all (str.isspace), and none of the zero-width characters.
_ANY_SPACE = re.compile(r"\s")
# Typographic apostrophes (phones type ’): NFKC keeps them, the matcher's
# phrases ("can't") and the training data use the plain one.
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'"})
# Only characters outside printable ASCII can be invisible; looking up just those
# keeps long English messages fast.
_NOT_PRINTABLE_ASCII = re.compile(r"[^\x20-\x7e]")


def _drop_if_invisible(match: re.Match) -> str:
    """Format characters (Unicode category Cf) take no room on screen: zero-width
    space, (non-)joiners, word joiner, byte order mark, soft hyphen, direction
    marks. Inside a word they would split it in two for the matcher."""
    return "" if unicodedata.category(match[0]) == "Cf" else match[0]


def normalise(text: str | None) -> str:
    """The text with invisible characters removed, compatibility forms folded
    (NFKC: fullwidth letters, ligatures), every space a plain space and every
    apostrophe a plain one. Idempotent; case is kept."""
    visible = _NOT_PRINTABLE_ASCII.sub(_drop_if_invisible, text or "")
    folded = unicodedata.normalize("NFKC", visible)
    return _ANY_SPACE.sub(" ", folded).translate(_APOSTROPHES)
