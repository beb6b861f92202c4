"""Full-text search over the masked messages with SQLite FTS5 (the index and its
triggers are made by migration 0002)."""

from __future__ import annotations

import re

from django.db.models import QuerySet
from django.db.models.expressions import RawSQL

MAX_TERMS = 12
_WORD = re.compile(r"\w+", re.UNICODE)


def fts_query(typed: str) -> str:
    """Each word as a quoted prefix term, so nothing a nurse types is read as
    FTS5 syntax (quotes, NEAR, a stray parenthesis) and nothing can fail."""
    words = _WORD.findall(typed)[:MAX_TERMS]
    return " ".join(f'"{w}"*' for w in words)


def matching(messages: QuerySet, typed: str) -> QuerySet:
    query = fts_query(typed)
    if not query:
        return messages
    return messages.filter(
        id__in=RawSQL(
            "SELECT rowid FROM review_message_fts WHERE review_message_fts MATCH %s", [query]
        )
    )
