"""A topic's translation in the staff editor: the English beside it, where the
translation stands (missing, draft, reviewed, out of date), and saving it, as
a draft or as reviewed by a named translator. A save writes the English
version it was made from (`translated_from`), so a later change to the English
shows it out of date again (bot/content/translations.py)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from bot.content import editing, languages, translations
from bot.content.history import Author, ContentHistory

MISSING, OUT_OF_DATE = "missing", "out of date"


@dataclass(frozen=True)
class Translation:
    topic_id: str
    language: str
    english_title: str
    # {"any": text}, or one text per pump type, as in the file.
    english_variants: dict[str, str]
    title: str
    variants: dict[str, str]
    status: str  # draft, reviewed, out of date or missing
    reviewed_by: str
    reviewed_on: dt.date | None
    english_version: str
    version: str  # the file's, for save()'s base_version
    file: Path

    @property
    def pump_types(self) -> list[str]:
        return list(self.english_variants)


def variants_of(answer) -> dict[str, str]:
    if isinstance(answer, str):
        return {translations.ANY_PUMP: answer}
    if isinstance(answer, Mapping):
        return {str(k): str(v) for k, v in answer.items() if isinstance(v, str)}
    return {}


def _entries(data: dict) -> dict:
    kept = data.get("translations")
    return dict(kept) if isinstance(kept, dict) else {}


def load(content_dir: Path | str, topic_id: str, language: str) -> Translation:
    """Invalid for an unknown topic or a language the assistant does not speak."""
    _check_language(language)
    topic = editing.load_topic(content_dir, topic_id)
    english_title = str(topic.fields.get("title") or "")
    english = variants_of(topic.fields.get("answer"))
    data = editing.read_fields(topic.file)
    entry = _entries(data).get(language)
    entry = entry if isinstance(entry, dict) else {}
    current = translations.english_version(english_title, english)
    variants = variants_of(entry.get("answer"))
    status = str(entry.get("status") or translations.DRAFT)
    if not variants:
        status = MISSING
    elif str(entry.get("translated_from") or "") != current:
        status = OUT_OF_DATE
    reviewed_on = entry.get("reviewed_on")
    return Translation(
        topic_id=topic_id,
        language=language,
        english_title=english_title,
        english_variants=english,
        title=str(entry.get("title") or ""),
        variants=variants,
        status=status,
        reviewed_by=str(entry.get("reviewed_by") or ""),
        reviewed_on=reviewed_on if isinstance(reviewed_on, dt.date) else None,
        english_version=current,
        version=topic.version,
        file=topic.file,
    )


def _check_language(language: str) -> None:
    if language not in languages.SPOKEN or language == languages.ENGLISH:
        raise editing.Invalid({"language": [f"{language!r} is not a language to translate into"]})


def _text(value, name: str, errors: dict[str, list[str]]) -> str:
    if not isinstance(value, str) or not value.strip():
        errors.setdefault(name, []).append("must not be empty")
        return ""
    if len(value) > editing.MAX_FIELD_CHARS:
        errors.setdefault(name, []).append(f"is longer than {editing.MAX_FIELD_CHARS:,} characters")
        return ""
    if any(ord(c) < 32 and c not in "\n\t" or ord(c) == 127 for c in value):
        errors.setdefault(name, []).append("contains control characters")
        return ""
    return " ".join(value.split())


def save(
    content_dir: Path | str,
    topic_id: str,
    language: str,
    title: str,
    variants: Mapping[str, str],
    base_version: str,
    author: Author,
    history: ContentHistory | None,
    reviewed_by: str | None = None,
    today: dt.date | None = None,
) -> editing.Saved:
    """Write the translation's title and answer (one text per pump type the
    English has), made from the English as it is now. With `reviewed_by` (the
    translator's name) it is marked reviewed on `today`; without, it is a draft.
    Its example questions stay. Invalid (nothing written) for an empty or
    malformed text; Conflict if the file changed since base_version."""
    current = load(content_dir, topic_id, language)
    errors: dict[str, list[str]] = {}
    clean_title = _text(title, "title", errors)
    clean = {}
    for pump_type in current.pump_types:
        name = "answer" if pump_type == translations.ANY_PUMP else f"answer.{pump_type}"
        clean[pump_type] = _text(variants.get(pump_type), name, errors)
    reviewer = None
    if reviewed_by is not None:
        reviewer = _text(reviewed_by, "reviewed_by", errors)
    if errors:
        raise editing.Invalid(errors)
    data = editing.read_fields(current.file)
    entries = _entries(data)
    old = entries.get(language) if isinstance(entries.get(language), dict) else {}
    entry = {
        "title": clean_title,
        "answer": clean[translations.ANY_PUMP] if translations.ANY_PUMP in clean else clean,
        "status": translations.REVIEWED if reviewer else translations.DRAFT,
    }
    if reviewer:
        entry["reviewed_by"] = reviewer
        entry["reviewed_on"] = today or dt.date.today()
    entry["translated_from"] = current.english_version
    entry.update({k: v for k, v in old.items() if k not in translations.FIELDS[:6]})
    entries[language] = entry
    state = "reviewed" if reviewer else "draft"
    return editing.save_keys(
        content_dir,
        topic_id,
        {"translations": entries},
        base_version,
        author,
        history,
        f"{topic_id}: {language} translation ({state})",
    )
