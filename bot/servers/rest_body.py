"""What the REST channel accepts as a message: a JSON object with a string
"sender" and a string "message", and optionally an object "metadata" and a
string "input_channel".

Rasa's own channel reads the body with `.get()` and hands any value on, so a
list, a number or an empty body ended in a 500 with a traceback in the log.
Checking the shape first lets a broken client get a 400 that says what is
wrong, and keeps its input, which may be a patient's text, out of the answer
and the log.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

# Longer ids are no client of ours; the tracker stores the id with every event.
MAX_SENDER_CHARS = 200


class BadBody(ValueError):
    """The body is not a message. The text is safe to send back: it names what
    is wrong, never what was sent."""


@dataclass(frozen=True)
class RestMessage:
    sender: str
    text: str
    metadata: dict[str, Any] | None
    input_channel: str | None


def parse(body: bytes) -> RestMessage:
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise BadBody("The body must be JSON.") from None
    if not isinstance(data, dict):
        raise BadBody("The body must be a JSON object.")
    sender, text = data.get("sender"), data.get("message")
    if not isinstance(sender, str) or not sender.strip():
        raise BadBody('"sender" must be a non-empty string.')
    if len(sender) > MAX_SENDER_CHARS:
        raise BadBody(f'"sender" must be at most {MAX_SENDER_CHARS} characters.')
    if not isinstance(text, str):
        raise BadBody('"message" must be a string.')
    metadata = data.get("metadata")
    if metadata is not None and not isinstance(metadata, dict):
        raise BadBody('"metadata" must be an object.')
    input_channel = data.get("input_channel")
    if input_channel is not None and not isinstance(input_channel, str):
        raise BadBody('"input_channel" must be a string.')
    return RestMessage(sender, text, metadata, input_channel or None)
