"""The request to the action server: recent events, without the NLU detail of
past messages.

Rasa 3.6 sends the action server the whole tracker on every custom action
(rasa/core/actions/action.py, RemoteAction._action_call_format:
`tracker.current_state(EventVerbosity.ALL)`), and every past user event in it
carries its full `parse_data`: the intent ranking, the response selector's
ranking, the text's tokens. That is most of the request, and it grows with the
conversation: at messages 150-250 of one conversation the Rasa server spent
about 38 ms a message encoding it (15% of its time) and the action server about
50 ms decoding it (py-spy, bench/profile.py --growth).

What the actions read (actions/, bot/reminders/external.py, rasa_sdk's Tracker
and FormValidationAction):
- `latest_message`, in full (FAQ topic from the response selector, the closest
  topics from its ranking, input flags, symptom questions, entities): a
  top-level key of the request, left as Rasa makes it;
- slots, active_loop, latest_action_name: left as they are;
- `events`: every event's type (replies.is_first_turn, applied_events), bot
  events' `text` and `data` (external.delivered_in), slot events' `name` and
  `value` (Tracker.slots_to_validate), user events' `text`, `input_channel`
  (Tracker.get_latest_input_channel) and, of their parse_data, only
  `intent.name` and `entities` (external.reminder_id).

So each user event but the latest keeps every field, with a parse_data of only
its `intent` (name and confidence) and `entities`; the latest user event is left
whole, as is every other event of the last RECENT_TURNS user messages.

Older events than that reach the actions only as far as they read them
(`older_events`): every user event as a bare marker (a reminder's trigger in
full, trimmed), the bot events that answered a trigger, the latest bot event,
and every event that is not a turn's usual user, bot, action, slot or loop
event (a session start, a restart). So `external.delivered_in` and
`replies.is_first_turn` give what they give on the whole list, and everything
else an action reads lies within the recent turns. Without this the request
grew with the conversation, and so did the time to encode it here and decode it
there: at messages 150-250 of one conversation, 13 ms of the Rasa server's and
13 ms of the action server's time per message (py-spy, bench/profile.py
--growth, after the trimming above). After it, the same profile gave 2 ms of
encoding in the Rasa server and 8.7 ms of CPU a message in the whole action
server (25.7 before). The conversation tests/with_rasa/test_action_payload.py builds:
20 turns, 61,844 bytes -> 9,927; 200 turns, 583,386 -> 28,304.

RemoteAction is created inside Rasa for each custom action, with no setting to
put a subclass in its place, so install() swaps the one method on the class, in every
process that runs Rasa (bot/rasa/__init__.py's install()), as
bot/rasa/action_results.py does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.reminders import external

# What an action may read of a past user event's parse_data.
KEPT = ("intent", "entities")
# The user messages whose turns go whole (but for past parse_data): enough for a
# form's slot candidates and the latest message's channel, which are in the last.
RECENT_TURNS = 5
# The events of a usual turn, which older_events leaves out (but for markers).
TURN_EVENTS = {
    "user",
    "bot",
    "action",
    "slot",
    "user_featurization",
    "active_loop",
    "loop_interrupted",
}

_rasas: Callable[..., dict[str, Any]] | None = None


def trimmed_events(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The events of the last RECENT_TURNS user messages, with each user event's
    parse_data but the latest user event's cut to KEPT, after older_events.
    New dicts: Rasa's events share their parse_data with the tracker."""
    users = [i for i, event in enumerate(events) if event.get("event") == "user"]
    start = users[-RECENT_TURNS] if len(users) > RECENT_TURNS else 0
    past = set(users[:-1])
    return older_events(events[:start]) + [
        {**event, "parse_data": trimmed(event["parse_data"])}
        if i in past and isinstance(event.get("parse_data"), dict)
        else event
        for i, event in enumerate(events[start:], start=start)
    ]


def older_events(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Of the events before the recent turns, what external.delivered_in and
    replies.is_first_turn read: each user event as a marker (a reminder's trigger
    whole, trimmed), each bot event that answers a trigger, the latest bot event,
    and the events that are not a turn's usual ones."""
    kept = []
    last_bot = max((i for i, e in enumerate(events) if e.get("event") == "bot"), default=None)
    answering = False
    for i, event in enumerate(events):
        kind = event.get("event")
        if kind == "user":
            answering = external.reminder_id(event) is not None
            if answering:
                kept.append({**event, "parse_data": trimmed(event.get("parse_data") or {})})
            else:
                kept.append({"event": "user", "timestamp": event.get("timestamp")})
        elif kind == "bot":
            if answering or i == last_bot:
                kept.append({key: event.get(key) for key in ("event", "timestamp", "text", "data")})
        elif kind not in TURN_EVENTS:
            kept.append(event)
    return kept


def trimmed(parse_data: dict[str, Any]) -> dict[str, Any]:
    return {key: parse_data[key] for key in KEPT if key in parse_data}


def action_call_format(self, tracker, domain) -> dict[str, Any]:
    """RemoteAction._action_call_format, with the events trimmed_events keeps."""
    result = _rasas(self, tracker, domain)
    state = result.get("tracker") or {}
    if state.get("events"):
        state["events"] = trimmed_events(state["events"])
    return result


def install() -> None:
    from rasa.core.actions.action import RemoteAction

    global _rasas
    if RemoteAction._action_call_format is not action_call_format:
        _rasas = RemoteAction._action_call_format
        RemoteAction._action_call_format = action_call_format
