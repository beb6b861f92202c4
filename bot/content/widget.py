"""content/widget.yml: the chat widget's own words (buttons, status lines and
screen-reader texts), in every language the assistant speaks.

The web server sends them to the widget in its settings (widget/config.json),
so that web/widget/haip-chat.js holds no patient text of its own. A label
missing in one spoken language would leave a patient who chose it with a
widget in two languages, so each is required in all of them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.content import languages, placeholders
from bot.content import translations as translation_status
from bot.content.problems import ERROR, Problem
from bot.content.yaml_files import read_mapping

FILE = "widget.yml"
REL = f"content/{FILE}"
TOP_FIELDS = {"reviewed_on", "reviewed_by", "labels"}
TRANSLATION_FIELDS = {"text", "status", "reviewed_by", "reviewed_on", "translated_from"}
# Each label and the placeholders it may use: the widget fills them in
# ({clinic_name} from a page's data-clinic-name, when given, or clinic.yml).
LABELS: dict[str, frozenset[str]] = {
    key: frozenset(allowed)
    for key, allowed in {
        "launcher": (),
        "unread": ("count",),
        "title": (),
        "title_with_clinic": ("clinic_name",),
        "close": (),
        "emergency": (),
        "messages": (),
        "typing": (),
        "input": (),
        "send": (),
        "forget": (),
        "you_said": (),
        "assistant_said": (),
        "new_tab": (),
        "suggested_topics": (),
        "calendar": (),
        "phone_hint": ("phone_main",),
        "no_answer_yet": (),
        "not_connected": (),
        "connection_lost": (),
        "cannot_reach": (),
        "new_message": (),
        "chat_ended": (),
        "empty_question": (),
        "language_chosen": (),
        "urgent_heading": (),
    }.items()
}


def load(root: Path, problems: list[Problem]) -> dict[str, dict[str, str]]:
    """{language: {label: text}} for every spoken language; problems name the
    field to fix. A language missing a label is left out whole."""
    data = read_mapping(root / FILE, REL, problems)
    if data is None:
        return {}
    for key in set(data) - TOP_FIELDS:
        problems.append(
            Problem(ERROR, REL, str(key), f"is not a known field ({', '.join(sorted(TOP_FIELDS))})")
        )
    for key in ("reviewed_on", "reviewed_by"):
        if not data.get(key):
            problems.append(Problem(ERROR, REL, key, "is missing"))
    entries = data.get("labels")
    if not isinstance(entries, dict):
        problems.append(Problem(ERROR, REL, "labels", "must map each label name to its text"))
        return {}
    for key in set(entries) - set(LABELS):
        problems.append(Problem(ERROR, REL, f"labels.{key}", "is not a label the widget shows"))
    found: dict[str, dict[str, str]] = {language: {} for language in languages.SPOKEN}
    for key, allowed in LABELS.items():
        for language, text in _label(entries.get(key), key, allowed, problems).items():
            found[language][key] = text
    return {language: texts for language, texts in found.items() if len(texts) == len(LABELS)}


def _label(entry: Any, key: str, allowed: frozenset[str], problems: list[Problem]) -> dict:
    """One label's text in each spoken language: English as `text`, the others
    under `translations`, each with the English text's placeholders and where its
    translation stands, as a message's (bot/content/translations.py)."""
    where = f"labels.{key}"
    if not isinstance(entry, dict):
        problems.append(Problem(ERROR, REL, f"{where}.text", "is missing"))
        return {}
    for field in set(entry) - {"text", "translations"}:
        problems.append(Problem(ERROR, REL, f"{where}.{field}", "is not a known field"))
    english = _text(entry.get("text"), f"{where}.text", allowed, None, problems)
    texts = {languages.ENGLISH: english} if english is not None else {}
    translations = entry.get("translations", {})
    if not isinstance(translations, dict):
        problems.append(
            Problem(ERROR, REL, f"{where}.translations", "must map a language code to a text")
        )
        translations = {}
    for language in translations:
        if language not in languages.SPOKEN or language == languages.ENGLISH:
            problems.append(
                Problem(
                    ERROR,
                    REL,
                    f"{where}.translations.{language}",
                    "is not a language the assistant speaks (bot/content/languages.py SPOKEN)",
                )
            )
    for language in languages.SPOKEN:
        if language == languages.ENGLISH:
            continue
        at = f"{where}.translations.{language}"
        translation = translations.get(language)
        value = translation.get("text") if isinstance(translation, dict) else None
        text = _text(value, f"{at}.text", allowed, english, problems)
        if text is None:
            continue
        texts[language] = text
        for field in set(translation) - TRANSLATION_FIELDS:
            problems.append(Problem(ERROR, REL, f"{at}.{field}", "is not a known field"))

        def problem(level: str, field_name: str, message: str) -> None:
            problems.append(Problem(level, REL, field_name, message))

        translation_status.check_status(translation, at, problem)
        if english is not None:
            translation_status.check_version(translation, english, at, problem)
    return texts


def _text(
    value: Any, where: str, allowed: frozenset[str], english: str | None, problems: list[Problem]
) -> str | None:
    """The label's text, one line; None (with the problem) when it is missing or
    uses a placeholder the label has not, or not the English text's ones."""
    if not isinstance(value, (str, int, float)) or not str(value).strip():
        problems.append(Problem(ERROR, REL, where, "is missing"))
        return None
    text = " ".join(str(value).split())
    used = placeholders.names_in(text)
    if unknown := used - allowed:
        problems.append(
            Problem(
                ERROR,
                REL,
                where,
                f"uses {', '.join(sorted(unknown))}, which this label cannot have "
                f"(it may use: {', '.join(sorted(allowed)) or 'none'})",
            )
        )
        return None
    if english is not None and used != placeholders.names_in(english):
        problems.append(
            Problem(
                ERROR,
                REL,
                where,
                "must use the same placeholders as the English "
                f"({', '.join(sorted(placeholders.names_in(english))) or 'none'})",
            )
        )
        return None
    return text
