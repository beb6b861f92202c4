"""Which messages may reach Rasa as a command ("/intent{entities}").

Rasa reads a message that starts with "/" as an intent named by the sender,
with its entities, and skips the NLU and the red-flag check: a typed
`/faq{"topic": "refills"} I have chest pain` would get the refills answer with
no urgent line, a typed `/EXTERNAL_refill_due` would pose as the scheduler, and
one Rasa cannot parse makes it print the whole message in its warning.

So only what the assistant itself sends as a payload is a command: the web
chat's opening `/greet`, or `/greet{"language": "es"}` with a language the
assistant speaks that the patient chose (bot/servers/web.py), its topic buttons,
`/faq{"topic": "<a topic id>"}` (bot/content/answers.py), the buttons of the
offer of reminders by e-mail or text (actions/contacts.py), and "forget this
device" with its question's buttons (actions/forget.py). Any other message
loses its leading slashes (and the spaces among them, which Rasa would strip)
and is read as text; the rest of it is passed on exactly as written.

No Rasa here: the channels call for_rasa() on every message before Rasa sees it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Collection
from typing import Any

from bot.content import languages
from bot.intents import CHOSEN_LANGUAGE, RETRIEVAL_INTENT

# Payloads without entities that the assistant sends.
GREET = "greet"
FORGET_DEVICE = "forget_device"
PLAIN_COMMANDS = frozenset(
    {
        GREET,
        "contact_by_email",
        "contact_by_text",
        "contact_decline",
        FORGET_DEVICE,
        "forget_keep_reminders",
        "forget_stop_reminders",
        "keep_chat",
    }
)
# What the web chat sends by itself, not words the patient wrote or a button
# they pressed: its opening (and its language button), and "forget this device".
WIDGET_SIGNALS = frozenset({GREET, FORGET_DEVICE})
_COMMAND = re.compile(r"/(?P<intent>[A-Za-z0-9_]+)(?P<entities>\{.*\})?", re.DOTALL)


# Payloads with one entity that the assistant sends: the intent, the entity and
# the values it may have (the topic ids are the content's, given to is_issued).
_ONE_ENTITY = {RETRIEVAL_INTENT: "topic", GREET: CHOSEN_LANGUAGE}


def is_issued(text: str, topic_ids: Collection[str]) -> bool:
    """True for a payload the assistant sends: a plain command, the FAQ intent
    with exactly one entity, a topic the content has, or the greeting with
    exactly one entity, a language the assistant speaks."""
    match = _COMMAND.fullmatch(text.strip())
    if not match:
        return False
    if match["entities"] is None:
        return match["intent"] in PLAIN_COMMANDS
    entity = _ONE_ENTITY.get(match["intent"])
    if entity is None:
        return False
    try:
        entities = json.loads(match["entities"])
    except ValueError:
        return False
    allowed = languages.SPOKEN if entity == CHOSEN_LANGUAGE else topic_ids
    return (
        isinstance(entities, dict)
        and set(entities) == {entity}
        and isinstance(entities[entity], str)
        and entities[entity] in allowed
    )


def _entity(payload: str, intent: str, entity: str) -> str | None:
    match = _COMMAND.fullmatch(payload.strip())
    if not match or match["intent"] != intent or match["entities"] is None:
        return None
    try:
        entities = json.loads(match["entities"])
    except ValueError:
        return None
    value = entities.get(entity) if isinstance(entities, dict) else None
    return value if isinstance(value, str) else None


def topic_of(payload: str) -> str | None:
    """The topic a topic button's payload asks for (`/faq{"topic": ...}`), or None."""
    return _entity(payload, RETRIEVAL_INTENT, "topic")


def is_greeting(payload: str) -> bool:
    """The chat's opening payload, with or without the language chosen."""
    match = _COMMAND.fullmatch(payload.strip())
    return bool(match) and match["intent"] == GREET


def is_widget_signal(payload: str) -> bool:
    """A payload the web chat sends by itself: never shown as a patient's message."""
    match = _COMMAND.fullmatch(payload.strip())
    return bool(match) and match["intent"] in WIDGET_SIGNALS


def for_rasa(text: Any, topic_ids: Callable[[], Collection[str]]) -> Any:
    """The message as Rasa should get it: a payload the assistant sends as it
    is; any other text starting with "/" as text. Anything not a string is left
    to the channel. The topic ids are asked for only for a message starting with
    "/": reading them checks the content files, which most messages need not."""
    if not isinstance(text, str) or not text.strip().startswith("/"):
        return text
    if is_issued(text, topic_ids()):
        return text
    # str.strip(), as Rasa uses, so that nothing Rasa would skip is left before a "/".
    while text.strip().startswith("/"):
        text = text.strip()[1:]
    return text
