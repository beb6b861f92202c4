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

# Line breaks of every kind become "\n": a patient who lists symptoms one per
# line ("no fever" / "chest pain") starts a new clause on each line, and the
# red-flag matcher must see that. Every other Unicode space (NBSP, narrow NBSP,
# en and em spaces, the ideographic space, tabs) becomes a plain space. Python's
# \s covers them all (str.isspace), and none of the zero-width characters.
_LINE_BREAK = re.compile(r"\r\n|[\n\r\v\f\x1c-\x1e\x85\u2028\u2029]")
_OTHER_SPACE = re.compile(r"[^\S\n]")
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
    (NFKC: fullwidth letters, ligatures), every line break a "\n", every other
    space a plain space and every apostrophe a plain one. Idempotent; case is kept."""
    visible = _NOT_PRINTABLE_ASCII.sub(_drop_if_invisible, text or "")
    folded = unicodedata.normalize("NFKC", visible)
    lines = _LINE_BREAK.sub("\n", folded)
    return _OTHER_SPACE.sub(" ", lines).translate(_APOSTROPHES)


def fold_accents(text: str) -> str:
    """The text without accents: "escalofríos" as "escalofrios", "ñ" as "n".
    Patients type Spanish on phones without them; compare both sides folded."""
    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize(
        "NFC", "".join(c for c in decomposed if unicodedata.category(c) != "Mn")
    )
