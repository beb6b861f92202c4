"""Conversation ids as staff see them: a keyed hash of Rasa's sender id, so the
review log never shows the id a patient's browser holds, yet one conversation
keeps one name.

80 bits, so that two conversations practically never share a name (at 40 bits,
a million conversations had an even chance of two patients on one page).
Names of 40 bits stored before are the first characters of the same hash: a
conversation's rows are found under either (`same_conversation`), until
retention removes the old rows; only those old rows can still be shared.
"""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings
from django.db.models import Q

LENGTH = 20
LEGACY_LENGTH = 10


def of(sender_id: str) -> str:
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, sender_id.encode(), hashlib.sha256).hexdigest()[:LENGTH]


def names(name: str) -> list[str]:
    """The name and the shorter one stored for the same conversation before."""
    return [name, name[:LEGACY_LENGTH]] if len(name) == LENGTH else [name]


def same_conversation(name: str) -> Q:
    """Rows of the conversation called `name`, stored under either length."""
    if len(name) == LEGACY_LENGTH:
        return Q(conversation__startswith=name)
    return Q(conversation__in=names(name))
