"""A clinician signs a topic from the staff workspace: the sign-off's three
fields (bot/content/sign_off.py) are written into the topic's file, naming the
title and answer as they are now, and committed to the content's history."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from bot.content import editing, translation_editing, translations
from bot.content.history import Author, ContentHistory


def current_version(content_dir: Path | str, topic_id: str) -> tuple[str, str]:
    """The topic's title-and-answer version and its file's version (for
    base_version); Invalid for an unknown topic."""
    topic = editing.load_topic(content_dir, topic_id)
    title = str(topic.fields.get("title") or "")
    variants = translation_editing.variants_of(topic.fields.get("answer"))
    return translations.english_version(title, variants), topic.version


def sign(
    content_dir: Path | str,
    topic_id: str,
    clinician: str,
    base_version: str,
    author: Author,
    history: ContentHistory | None,
    today: dt.date | None = None,
) -> editing.Saved:
    """Sign the topic as it is now. Conflict if its file changed since the
    clinician's page showed it (base_version): they sign what they read."""
    name = " ".join(str(clinician or "").split())
    if not name:
        raise editing.Invalid({"signed_by": ["needs the clinician's name"]})
    version, _ = current_version(content_dir, topic_id)
    fields = {"signed_by": name, "signed_on": today or dt.date.today(), "signed_version": version}
    message = f"{topic_id}: signed by {name}"
    return editing.save_keys(content_dir, topic_id, fields, base_version, author, history, message)
