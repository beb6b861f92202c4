"""The urgent guidance for the red-flag symptoms a patient mentioned."""

from __future__ import annotations

from bot.content import placeholders
from bot.content.loader import Content
from bot.content.red_flags import CALL_NOW, EMERGENCY, UNSPECIFIED


def _names(symptoms) -> str:
    names = [s.name for s in symptoms]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def guidance(content: Content, symptom_ids: list[str]) -> list[str]:
    """Texts to send, most urgent first: 911 before the 24-hour line."""
    red_flags = content.red_flags
    symptoms = [s for i in dict.fromkeys(symptom_ids) if (s := red_flags.symptom(i))]
    texts = []
    for level in (EMERGENCY, CALL_NOW):
        group = [s for s in symptoms if s.level == level]
        if group:
            values = {**content.clinic, "symptoms": _names(group)}
            texts.append(placeholders.fill(red_flags.messages[level], values))
    if not texts:
        texts.append(content.render(red_flags.messages[UNSPECIFIED]))
    return texts
