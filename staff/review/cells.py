"""What the review log keeps of a patient's input, and how it leaves in a CSV.

A patient can send any characters and, until the channels stopped it, any
topic. Control characters break the CSV export (Python's csv writer refuses a
NUL, and the whole export fails), and a cell starting with "=" is a formula to a
spreadsheet. So: text enters without NUL and the other C0 control characters
(newline and tab stay); the topic column holds a topic id the content has, or
nothing; and every exported cell is guarded, rows stored earlier included.
"""

from __future__ import annotations

import re
from collections.abc import Collection

from bot.content.loader import TOPIC_ID

_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f]")
# OWASP's list for CSV injection: a cell starting with one of these runs as a formula.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def without_controls(text: str) -> str:
    """The text without NUL and other C0 control characters but newline and tab
    (a carriage return goes too: newlines stay as they were meant)."""
    return _CONTROLS.sub("", text)


def known_topic(topic: str, topic_ids: Collection[str] | None) -> str:
    """The topic if it is one of topic_ids, otherwise "". With no content to ask
    (None), anything shaped as a topic id passes: never an address or a formula."""
    if not TOPIC_ID.fullmatch(topic):
        return ""
    return topic if topic_ids is None or topic in topic_ids else ""


def csv_cell(value: object) -> str:
    """One exported cell: no control characters, and a leading apostrophe where
    a spreadsheet would read a formula."""
    text = without_controls("" if value is None else str(value))
    return "'" + text if text.startswith(_FORMULA_START) else text
