"""The languages content/ may be written in.

English is the language every text is written in first; the assistant also
answers in Spanish, from each text's translation. The others only have the
message for a language the assistant does not speak (content/messages.yml,
`other_language`): the clinic's numbers, the 24-hour line and 911.
"""

from __future__ import annotations

ENGLISH = "en"
SPANISH = "es"
# The languages the whole assistant answers in; a message in any other gets the
# `other_language` message.
SPOKEN = (ENGLISH, SPANISH)
# Each language's name in itself, as a patient would look for it.
NAMES = {
    "en": "English",
    "es": "Español",
    "fr": "Français",
    "de": "Deutsch",
    "pt": "Português",
    "it": "Italiano",
    "tl": "Tagalog",
    "vi": "Tiếng Việt",
    "zh": "中文",
    "ja": "日本語",
    "ko": "한국어",
    "ar": "العربية",
    "ru": "Русский",
}
# When a message's language cannot be told: these, in this order.
UNKNOWN_LANGUAGE_REPLY = (ENGLISH, SPANISH)


def joined(names: list[str], language: str = ENGLISH) -> str:
    """ "a, b and c" in the language's words."""
    if len(names) == 1:
        return names[0]
    last = {"es": "y"}.get(language, "and")
    return ", ".join(names[:-1]) + f" {last} " + names[-1]
