"""Turn a Rasa tracker into the chat history a web page shows after a reload:
what the patient said and what the assistant answered in the current session,
nothing else (no intents, slots or confidence scores)."""

from __future__ import annotations

from typing import Any

from bot.intents import REPLY_LANGUAGE, URGENT_REPLY
from bot.reminders import external

MAX_MESSAGES = 200


def custom_payload(data: dict[str, Any]) -> dict | None:
    """A custom payload as the patient's browser received it. socket.io needs it
    wrapped ({"data": {"custom": ...}}), REST gets it bare; both come out bare."""
    custom = data.get("custom")
    if isinstance(custom, dict) and isinstance(custom.get("data"), dict):
        custom = custom["data"].get("custom")
    return custom if isinstance(custom, dict) else None


def _button_titles(messages: list[dict]) -> dict[str, str]:
    return {b["payload"]: b["title"] for m in messages for b in m.get("buttons", [])}


def _as_socket_messages(event: dict) -> list[dict]:
    """One bot event as Rasa's socket.io channel sent it: the text split at blank
    lines, buttons and any custom payload with the last part."""
    data = event.get("data") or {}
    text = (event.get("text") or "").strip()
    # As the live message had them (bot/rasa/channels.py): its language, urgent.
    metadata = event.get("metadata") or {}
    marks = {k: metadata[k] for k in (REPLY_LANGUAGE, URGENT_REPLY) if metadata.get(k)}
    parts = (
        [{"from": "assistant", "text": part, **marks} for part in text.split("\n\n")]
        if text
        else []
    )
    extras: dict = {}
    if data.get("buttons"):
        extras["buttons"] = [
            {"title": b.get("title", ""), "payload": b.get("payload", "")} for b in data["buttons"]
        ]
    if custom := custom_payload(data):
        extras["custom"] = custom
    if extras:
        if not parts:
            parts = [{"from": "assistant", "text": ""}]
        parts[-1].update(extras)
    return parts


def chat_history(tracker_state: dict[str, Any]) -> list[dict]:
    events = tracker_state.get("events") or []
    starts = [i for i, e in enumerate(events) if e.get("event") == "session_started"]
    session = events[starts[-1] + 1 :] if starts else events
    messages: list[dict] = []
    for event in session:
        kind = event.get("event")
        if kind == "bot":
            messages.extend(_as_socket_messages(event))
        elif kind == "user":
            if external.is_external(event):
                continue  # triggered by the scheduler, never typed by the patient
            text = event.get("text") or ""
            if text.startswith("/"):
                # A button click is shown as the button's title, as it was when
                # clicked; other commands (the widget's opening /greet) were never
                # typed by the patient, so they are not shown.
                text = _button_titles(messages).get(text, "")
            if text:
                messages.append({"from": "patient", "text": text})
    return messages[-MAX_MESSAGES:]
