"""content/messages.yml: the assistant's texts outside the FAQ topics.

A clinician signs each message (bot/content/sign_off.py): the sign-off names
its English text's version, the one a translation's `translated_from` names, so
a change to the English voids it. Unsigned messages are given all the same,
whatever `serve_only_signed` says: the welcome, the handoff or the refusal of
medical advice held back would leave a patient with nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from bot.content import languages, placeholders, readability, translations
from bot.content import sign_off as sign_off_module
from bot.content.problems import ERROR, WARNING, Problem
from bot.content.yaml_files import read_mapping

FILE = "messages.yml"
REL = f"content/{FILE}"
REQUIRED = (
    "welcome",
    "topic_unavailable",
    "source_label",
    "sources_label",
    "not_sure",
    "not_sure_no_topics",
    "out_of_scope",
    "medical_advice",
    "handoff",
    "empty_message",
    "no_words",
    "numbers_only",
    "too_long",
    "other_language",
    "rate_limited",
    "translation_pending",
    "answer_being_reviewed",
    "language_offer",
    "reminder_ask_date",
    "reminder_date_past",
    "reminder_date_today",
    "reminder_date_not_understood",
    "reminder_date_too_far",
    "reminder_give_up",
    "reminder_confirm",
    "reminder_next",
    "reminder_none",
    "reminder_cancelled",
    "reminder_nothing_to_cancel",
    "reminder_due",
    "forget_ask",
    "forget_ask_with_contacts",
    "forget_button_keep",
    "forget_button_stop",
    "forget_button_back",
    "forget_channel_email",
    "forget_channel_text",
    "forget_kept",
    "forget_stopped",
    "forget_not_done",
    "calendar_link",
    "calendar_title",
    "calendar_note",
    "calendar_alarm",
    "trouble",
    "contact_offer",
    "contact_button_email",
    "contact_button_text",
    "contact_button_no",
    "contact_ask_email",
    "contact_ask_phone",
    "contact_bad_email",
    "contact_bad_phone",
    "contact_code_sent",
    "contact_send_failed",
    "contact_code_wrong",
    "contact_code_how",
    "contact_code_expired",
    "contact_new_code_email",
    "contact_new_code_text",
    "contact_new_code_both",
    "contact_confirmed_email",
    "contact_confirmed_text",
    "contact_declined",
    "contact_too_many_codes",
    "contact_address_stopped",
    "contact_unavailable",
    "contact_no_reminder",
    "contact_stopped",
    "contact_nothing_to_stop",
    "contact_code_message",
    "contact_code_subject",
    "reminder_text_message",
    "reminder_email_subject",
    "reminder_email_body",
    "email_unsubscribe_link",
    "email_unsubscribe_ask",
    "email_unsubscribed",
    "email_already_unsubscribed",
)
TRANSLATION_FIELDS = {"text", "status", "reviewed_by", "reviewed_on", "translated_from"}
ENTRY_FIELDS = {"text", "buttons", "translations", *sign_off_module.FIELDS}
# Placeholders a message may use besides the clinic's, filled in by the assistant.
EXTRA_PLACEHOLDERS = {
    "reminder_confirm": {"refill_date", "remind_at", "next_dates"},
    "reminder_next": {"refill_date", "remind_at"},
    "reminder_due": {"refill_date"},
    "forget_ask": {"refill_date"},
    "forget_ask_with_contacts": {"refill_date", "channels"},
    "forget_kept": {"channels"},
    "contact_code_sent": {"contact"},
    "contact_code_how": {"contact"},
    "contact_confirmed_email": {"contact"},
    "contact_confirmed_text": {"contact"},
    "contact_code_message": {"code"},
    "reminder_text_message": {"refill_date"},
    "reminder_email_subject": {"refill_date"},
    "reminder_email_body": {"refill_date"},
    "email_unsubscribe_ask": {"contact"},
    "email_unsubscribed": {"contact"},
    "email_already_unsubscribed": {"contact"},
}


@dataclass(frozen=True)
class Message:
    key: str
    text: str
    buttons: tuple[str, ...] = ()
    # The text in other languages (bot/content/languages.py), by language code.
    translations: dict[str, str] = field(default_factory=dict)
    # A clinician's sign-off, if given.
    sign_off: sign_off_module.SignOff | None = None

    @property
    def version(self) -> str:
        """The English text's version: what a sign-off and a translation name."""
        return translations.english_version(self.text, {})

    def text_in(self, language: str) -> str:
        return self.translations.get(language, self.text)


def load(
    root: Path,
    clinic: dict,
    topic_ids: set[str],
    problems: list[Problem],
    today: dt.date | None = None,
) -> dict[str, Message]:
    today = today or dt.date.today()
    data = read_mapping(root / FILE, REL, problems)
    if data is None:
        return {}
    for key in set(data) - {"reviewed_on", "reviewed_by", "messages"}:
        problems.append(Problem(ERROR, REL, str(key), "is not a known field"))
    entries = data.get("messages") if isinstance(data.get("messages"), dict) else {}
    messages = {}
    for key in REQUIRED:
        where = f"messages.{key}"
        entry = entries.get(key)
        text = entry.get("text") if isinstance(entry, dict) else None
        if not isinstance(text, str) or not text.strip():
            problems.append(Problem(ERROR, REL, f"{where}.text", "is missing"))
            continue
        for unknown in set(entry) - ENTRY_FIELDS:
            problems.append(Problem(ERROR, REL, f"{where}.{unknown}", "is not a known field"))
        signed = sign_off_module.parse(
            entry, today, sign_off_module.problems_at(problems, REL, where)
        )
        allowed = {**clinic, **dict.fromkeys(EXTRA_PLACEHOLDERS.get(key, ()), "")}
        if missing := placeholders.unresolved(text, allowed):
            problems.append(
                Problem(
                    ERROR,
                    REL,
                    f"{where}.text",
                    f"uses {', '.join(sorted(missing))}, which is not defined",
                )
            )
            continue
        buttons = entry.get("buttons") or []
        unknown = [b for b in buttons if b not in topic_ids]
        if unknown:
            problems.append(
                Problem(
                    ERROR,
                    REL,
                    f"{where}.buttons",
                    f"{', '.join(map(str, unknown))} is not a topic id",
                )
            )
            continue
        level = readability.grade(placeholders.fill(text, allowed))
        if level > readability.MAX_GRADE:
            problems.append(Problem(WARNING, REL, f"{where}.text", f"reads at grade {level}"))
        translated = _translations(entry, text, where, allowed, problems)
        messages[key] = Message(key, text.strip(), tuple(buttons), translated, signed)
    for key in set(entries) - set(REQUIRED):
        problems.append(Problem(ERROR, REL, f"messages.{key}", "is not a known message"))
    return messages


def _translations(
    entry: dict, english: str, where: str, allowed: dict, problems: list[Problem]
) -> dict:
    """`translations: {es: {text, status, translated_from}}`: the same message in
    other languages, with the same placeholders, and where its translation stands
    (bot/content/translations.py)."""
    entries = entry.get("translations", {})
    if not isinstance(entries, dict):
        problems.append(
            Problem(ERROR, REL, f"{where}.translations", "must map a language code to a text")
        )
        return {}
    found = {}
    for language, translation in entries.items():
        at = f"{where}.translations.{language}"
        if language not in languages.NAMES or language == languages.ENGLISH:
            problems.append(
                Problem(ERROR, REL, at, "is not a language code of bot/content/languages.py")
            )
            continue
        text = translation.get("text") if isinstance(translation, dict) else None
        if not isinstance(text, str) or not text.strip():
            problems.append(Problem(ERROR, REL, f"{at}.text", "is missing"))
            continue
        for unknown in set(translation) - TRANSLATION_FIELDS:
            problems.append(Problem(ERROR, REL, f"{at}.{unknown}", "is not a known field"))

        def problem(level: str, field_name: str, text: str) -> None:
            problems.append(Problem(level, REL, field_name, text))

        translations.check_status(translation, at, problem)
        translations.check_version(translation, english, at, problem)
        if missing := placeholders.unresolved(text, allowed):
            problems.append(
                Problem(
                    ERROR,
                    REL,
                    f"{at}.text",
                    f"uses {', '.join(sorted(missing))}, which is not defined",
                )
            )
            continue
        found[language] = text.strip()
    return found
