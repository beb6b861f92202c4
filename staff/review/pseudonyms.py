"""Conversation ids as staff see them: a keyed hash of Rasa's sender id, so the
review log never shows the id a patient's browser holds, yet one conversation
keeps one name."""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings

LENGTH = 10


def of(sender_id: str) -> str:
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, sender_id.encode(), hashlib.sha256).hexdigest()[:LENGTH]
