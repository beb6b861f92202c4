"""How a refill reminder appears in a Rasa conversation, read by both sides:
the scheduler (did the message reach the conversation?) and the action (was it
already sent, by an attempt whose answer was lost?).

The scheduler triggers the external intent with the reminder's id as an
entity (`POST /conversations/{id}/trigger_intent`), as Rasa's reminderbot
example does. Rasa records it as a user event whose text is "EXTERNAL: " plus
the intent name; the reminder's message is the bot event that follows it.
"""

from __future__ import annotations

from collections.abc import Iterable

from bot import intents

INTENT = intents.REFILL_DUE
ENTITY = "reminder_id"
# Rasa's EXTERNAL_MESSAGE_PREFIX (rasa.shared.core.constants; a test checks they
# agree). Spelled here so the action server need not import Rasa itself.
EXTERNAL_PREFIX = "EXTERNAL: "


def is_external(event: dict) -> bool:
    """A user event that no person typed: Rasa made it for trigger_intent."""
    return event.get("event") == "user" and (event.get("text") or "").startswith(EXTERNAL_PREFIX)


def reminder_id(event: dict) -> int | None:
    """The reminder an external event was triggered for, else None. Only events
    Rasa made itself count: a patient who types "/EXTERNAL_refill_due{...}"
    makes a user event with that text, not with the external prefix."""
    if not is_external(event):
        return None
    if ((event.get("parse_data") or {}).get("intent") or {}).get("name") != INTENT:
        return None
    for entity in (event.get("parse_data") or {}).get("entities") or []:
        if entity.get("entity") == ENTITY:
            try:
                return int(entity.get("value"))
            except (TypeError, ValueError):
                return None
    return None


def delivered_in(events: Iterable[dict], wanted: int) -> bool:
    """True if some external event for this reminder was answered with a
    message (a bot event before the next user event)."""
    answering = False
    for event in events:
        kind = event.get("event")
        if kind == "user":
            answering = reminder_id(event) == wanted
        elif kind == "bot" and answering and (event.get("text") or event.get("data")):
            return True
    return False
