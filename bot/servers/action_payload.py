"""The request to the action server, without the NLU detail of past messages.

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
whole, as is every other event. With the parse_data a running model gives,
a 20-turn conversation's request goes from 67 kB to 25 kB, a 200-turn one's
from 632 kB to 215 kB (2.9 times smaller; tests/test_action_payload.py builds
the 20-turn one: 62 kB to 25 kB). What is left is mostly Rasa's action events.

RemoteAction is created inside Rasa for each custom action, with no setting to
put a subclass in its place, so install() swaps the one method on the class, in
the Rasa server's process only (bot/servers/rasa_server.py), as
bot/servers/action_results.py does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

# What an action may read of a past user event's parse_data.
KEPT = ("intent", "entities")

_rasas: Callable[..., dict[str, Any]] | None = None


def trimmed_events(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The events, with each user event's parse_data but the latest user event's
    cut to KEPT. New dicts: Rasa's events share their parse_data with the tracker."""
    users = [i for i, event in enumerate(events) if event.get("event") == "user"]
    past = set(users[:-1])
    return [
        {**event, "parse_data": trimmed(event["parse_data"])}
        if i in past and isinstance(event.get("parse_data"), dict)
        else event
        for i, event in enumerate(events)
    ]


def trimmed(parse_data: dict[str, Any]) -> dict[str, Any]:
    return {key: parse_data[key] for key in KEPT if key in parse_data}


def action_call_format(self, tracker, domain) -> dict[str, Any]:
    """RemoteAction._action_call_format, with past user events trimmed."""
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
