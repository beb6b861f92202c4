"""Sending replies, with the welcome on a conversation's first turn."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot import paths
from bot.content import answers, languages
from bot.content.answers import Reply
from bot.content.loader import Content, ContentError
from bot.content.store import ContentStore
from bot.intents import ANSWERED_TOPIC, MESSAGE_LANGUAGE, REPLY_LANGUAGE, URGENT_REPLY

logger = logging.getLogger(__name__)

STORE = ContentStore(paths.CONTENT_DIR)


def content() -> Content | None:
    try:
        return STORE.get()
    except ContentError:
        logger.exception("No valid content to answer from")
        return None


def is_first_turn(tracker: Tracker) -> bool:
    """No bot message yet in this conversation session."""
    for event in reversed(tracker.events):
        if event.get("event") == "session_started":
            return True
        if event.get("event") == "bot":
            return False
    return True


def send(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    replies: list[Reply],
    urgent: bool = False,
    with_welcome: bool = True,
    answered: str | None = None,
) -> None:
    """Send the replies. On the first turn the welcome comes first, except after
    urgent guidance: that always comes first. The welcome itself passes
    with_welcome=False, so it is never sent twice. `answered`, from the FAQ
    answer: the topic whose answer the replies are, or "" for none (a topic the
    content no longer has)."""
    loaded = content()
    first = with_welcome and loaded and is_first_turn(tracker)
    language = conversation_language(tracker)
    welcome = [(answers.message(loaded, "welcome", language=language), {})] if first else []
    # Rasa keeps extra keys in the bot event's metadata: the review log reads
    # which content version answered, and which topic, from there.
    extra = {} if answered is None else {ANSWERED_TOPIC: answered}
    own = [(reply, extra) for reply in replies]
    # The conversation changes language: say so, and how to change back, once.
    if loaded and switched_language(tracker):
        offer = answers.message(loaded, "language_offer", language=language)
        if not _said_this_turn(dispatcher, tracker, offer.text):
            own.append((offer, {}))
    for reply, metadata in own + welcome if urgent else welcome + own:
        # The web chat reads these from the message (bot/rasa/channels.py):
        # the language it is in, and whether it is urgent guidance.
        marks = {REPLY_LANGUAGE: language, **({URGENT_REPLY: True} if reply.urgent else {})}
        dispatcher.utter_message(
            text=reply.text,
            buttons=reply.buttons,
            content_version=STORE.version,
            **marks,
            **metadata,
        )


def send_custom(dispatcher: CollectingDispatcher, tracker: Tracker, payload: dict) -> None:
    """Custom payloads are channel-specific in Rasa: the socket.io channel passes
    the payload to socket.io's emit() as keyword arguments, so it must be wrapped
    as {"data": ...}; REST passes it as it is. The browser gets {"custom": payload}
    either way."""
    if tracker.get_latest_input_channel() == "socketio":
        dispatcher.utter_message(json_message={"data": {"custom": payload}})
    else:
        dispatcher.utter_message(json_message=payload)


LANGUAGE_SLOT = "language"


def language_of(tracker: Tracker) -> str | None:
    """The language of the patient's latest message, as the NLU read it."""
    return tracker.latest_message.get(MESSAGE_LANGUAGE)


def conversation_language(tracker: Tracker) -> str:
    """The language to answer in: the latest message's, if the assistant speaks
    it; else the conversation's so far (a button tap, "ok", a date); else English."""
    found = language_of(tracker)
    if found in languages.SPOKEN:
        return found
    kept = tracker.get_slot(LANGUAGE_SLOT)
    return kept if kept in languages.SPOKEN else languages.ENGLISH


def _said_this_turn(dispatcher: CollectingDispatcher, tracker: Tracker, text: str) -> bool:
    """Whether `text` was sent since the patient's latest message (by this action
    or an earlier one of the same turn)."""
    if any(m.get("text") == text for m in dispatcher.messages):
        return True
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return False
        if event.get("event") == "bot" and event.get("text") == text:
            return True
    return False


def switched_language(tracker: Tracker) -> bool:
    """The latest message is in a language the assistant speaks other than the
    conversation's so far (English until a message says otherwise)."""
    found = language_of(tracker)
    kept = tracker.get_slot(LANGUAGE_SLOT) or languages.ENGLISH
    return found in languages.SPOKEN and found != kept


def remember_language(tracker: Tracker) -> list[dict[str, Any]]:
    """The event that keeps the conversation's language, when a message in a
    language the assistant speaks changed it."""
    found = language_of(tracker)
    if found not in languages.SPOKEN or tracker.get_slot(LANGUAGE_SLOT) == found:
        return []
    return [SlotSet(LANGUAGE_SLOT, found)]
