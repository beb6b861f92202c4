"""The urgent guidance for the red-flag symptoms a patient mentioned."""

from __future__ import annotations

from bot.content import languages, placeholders
from bot.content.loader import Content
from bot.content.red_flags import CALL_NOW, EMERGENCY, UNSPECIFIED


def guidance(content: Content, symptom_ids: list[str], language: str = "en") -> list[str]:
    """Texts to send, most urgent first: 911 before the 24-hour line; in
    `language` when the red flags are written in it, in English otherwise."""
    red_flags = content.red_flags
    if language not in red_flags.languages:
        language = languages.ENGLISH
    messages = red_flags.messages_in(language)
    symptoms = [s for i in dict.fromkeys(symptom_ids) if (s := red_flags.symptom(i))]
    texts = []
    for level in (EMERGENCY, CALL_NOW):
        group = [s for s in symptoms if s.level == level]
        if group:
            names = languages.joined([s.wording(language).name for s in group], language)
            values = {**content.clinic, "symptoms": names}
            texts.append(placeholders.fill(messages[level], values))
    if not texts:
        texts.append(content.render(messages[UNSPECIFIED]))
    return texts
