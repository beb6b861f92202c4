"""bot/rasa/action_results.py: the action server's replies are judged as Rasa's
own RemoteAction._validate_action_result judges them, with the schema checked once."""

import jsonschema
import pytest
from rasa.core.actions.action import RemoteAction

from bot.rasa import action_results

GOOD = [
    {"events": [], "responses": []},
    {
        "events": [
            {"event": "slot", "name": "refill_date", "value": "2026-12-01"},
            {"event": "bot", "text": "Done.", "data": {}, "metadata": {}},
        ],
        "responses": [{"text": "Done."}],
    },
    {},
]
BAD = [
    {"events": [{"event": "slot"}]},  # no slot name
    {"events": [{"event": "no_such_event"}]},
    {"events": "not a list"},
    {"responses": [1]},
]


@pytest.mark.parametrize("result", GOOD)
def test_a_valid_reply_passes_both(result):
    original = RemoteAction("action_x", None)
    assert RemoteAction._validate_action_result(original, result)
    assert action_results.validate_action_result(original, result)


@pytest.mark.parametrize("result", BAD)
def test_an_invalid_reply_fails_both_with_the_same_message(result):
    action = RemoteAction("action_x", None)
    with pytest.raises(jsonschema.ValidationError) as rasas:
        RemoteAction._validate_action_result(action, result)
    with pytest.raises(jsonschema.ValidationError) as ours:
        action_results.validate_action_result(action, result)
    assert ours.value.message == rasas.value.message
    assert "Failed to validate Action server response" in ours.value.message


def test_install_swaps_the_method(monkeypatch):
    monkeypatch.setattr(
        RemoteAction, "_validate_action_result", RemoteAction._validate_action_result
    )
    action_results.install()
    assert RemoteAction._validate_action_result is action_results.validate_action_result
