"""Which web chat ids open a conversation, and for how long.

The chat id is all a browser keeps, so whoever has it can read and continue the
conversation. So the web chat opens only an id of its own making (`new_chat_id`'s
form, never a 20,000-character one) for a conversation that only the web chat
has written to (never one of the REST or SMS channels', whose replies the
browser would then receive). And an id stops working `chat_id_days`
(content/clinic.yml) after the patient's last message, so an id on a lost or
stolen device does not open a conversation for ever. The socket.io channel and
the web server's history both ask here.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable, Mapping, Sequence

from bot.content.loader import DEFAULT_CHAT_ID_DAYS, ContentError

SECONDS_PER_DAY = 24 * 60 * 60
_OURS = re.compile(r"[0-9a-f]{32}")
# The input channel of the web chat's messages (Rasa's socket.io channel's name).
WEB_CHANNEL = "socketio"


def new_chat_id() -> str:
    """The kind of id Rasa's socket.io channel makes: random, unguessable."""
    return uuid.uuid4().hex


def is_ours(chat_id: object) -> bool:
    """Whether `chat_id` has the form new_chat_id gives."""
    return isinstance(chat_id, str) and _OURS.fullmatch(chat_id) is not None


def written_only_by(events: Sequence[Mapping], channel: str) -> bool:
    """Whether every patient message of the conversation (events as dicts:
    "event", "input_channel") came through `channel`; a reminder's is none's."""
    return all(
        event.get("input_channel") in (None, channel)
        for event in events
        if event.get("event") == "user"
    )


def days_allowed(clinic: Callable[[], dict]) -> int:
    try:
        return int(clinic().get("chat_id_days", DEFAULT_CHAT_ID_DAYS))
    except ContentError:
        return DEFAULT_CHAT_ID_DAYS


def last_activity(events: Sequence[Mapping]) -> float | None:
    """When the patient last wrote, from a tracker's events as dicts ("event",
    "timestamp"). The assistant's own messages do not count: refill reminders
    would otherwise keep an id alive for ever. With no message from the patient,
    the conversation's last event."""
    for event in reversed(events):
        if event.get("event") == "user":
            return event.get("timestamp")
    return events[-1].get("timestamp") if events else None


def is_expired(last_message_at: float | None, days: int, now: float | None = None) -> bool:
    """last_message_at: Unix time from last_activity; None for a conversation
    with no events (nothing to protect, so never expired)."""
    if last_message_at is None:
        return False
    return (time.time() if now is None else now) - last_message_at > days * SECONDS_PER_DAY


def opens(
    events: Sequence[Mapping], days: int, channel: str = WEB_CHANNEL, now: float | None = None
) -> bool:
    """Whether the web chat may open a conversation with these events (dicts:
    "event", "timestamp", "input_channel"): written to only through `channel`,
    and its patient not silent for more than `days`."""
    return written_only_by(events, channel) and not is_expired(last_activity(events), days, now)
