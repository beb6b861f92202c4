"""The unmasked text of logged messages, read from Rasa's events (bot/events) by
event id: it is kept there only, never copied into the workspace's database."""

from __future__ import annotations

from bot import settings
from bot.events import for_tracker


def texts(event_ids: list[int]) -> dict[int, str]:
    return for_tracker(settings.path("HAIP_TRACKER_DB")).texts(event_ids)
