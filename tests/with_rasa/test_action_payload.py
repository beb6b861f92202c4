"""bot/rasa/action_payload.py: the request to the action server loses only the
NLU detail of past user messages, and the actions, run by rasa-sdk's real
executor, see and answer the same as with Rasa's own request."""

import asyncio
import copy
import datetime as dt
import json

import pytest
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    BotUttered,
    DefinePrevUserUtteredFeaturization,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity
from rasa_sdk import Tracker
from rasa_sdk.executor import ActionExecutor

from actions import reminders, replies
from bot import intents, paths
from bot.content.store import ContentStore
from bot.rasa import action_payload
from bot.reminders import external
from bot.reminders.store import ReminderStore

SENDER = "patient-7"
TOPICS = [
    "refills",
    "altitude_and_fever",
    "diet_alcohol",
    "side_effects",
    "travel_and_id_card",
    "sports_and_diving",
    "who_decides",
    "airport_security",
    "hair_loss",
    "mri",
]
INTENTS = [
    "faq",
    "greet",
    "thank",
    "human_handoff",
    "out_of_scope",
    "medical_advice",
    "urgent_symptom",
    "set_reminder",
    "contact_decline",
    "goodbye",
]


@pytest.fixture(scope="module")
def domain():
    return Domain.load(paths.ROOT / "domain.yml")


@pytest.fixture
def rasas(monkeypatch):
    """Rasa's own method; ours installed in its place for the test only."""
    original = RemoteAction._action_call_format
    assert original is not action_payload.action_call_format
    monkeypatch.setattr(RemoteAction, "_action_call_format", original)
    action_payload.install()
    assert RemoteAction._action_call_format is action_payload.action_call_format
    action_payload.install()  # twice is once
    assert action_payload._rasas is original
    return original


@pytest.fixture
def store(content_dir, tmp_path, monkeypatch):
    monkeypatch.setattr(replies, "STORE", ContentStore(content_dir))
    monkeypatch.setenv("HAIP_REMINDERS_DB", str(tmp_path / "reminders.db"))
    monkeypatch.setattr(reminders, "clinic_today", lambda content: dt.date(2026, 11, 21))
    return ReminderStore(tmp_path / "reminders.db")


def parse(text: str, intent: str, entities=(), topic: str = "refills") -> dict:
    """parse_data in the shape our pipeline gives it (bot/rasa/components.py, as a
    running model returned it): ten intents and ten topics ranked, the tokens."""
    first = {"name": intent, "confidence": 0.93}
    if intent == "faq":
        first["full_retrieval_intent_name"] = f"faq/{topic}"
    others = [{"name": n, "confidence": 0.0001 / (i + 1)} for i, n in enumerate(INTENTS)]
    ranking = [
        {"id": None, "confidence": 0.01 / (i + 1), "intent_response_key": f"faq/{t}"}
        for i, t in enumerate([topic, *(t for t in TOPICS if t != topic)])
    ]
    ranking[0]["confidence"] = 0.93
    words, tokens, start = text.split(), [], 0
    for word in words:
        start = text.index(word, start)
        tokens.append([start, start + len(word)])
        start += len(word)
    return {
        "text": text,
        "intent": first,
        "entities": list(entities),
        "input_flags": [],
        "red_flags": [e["value"] for e in entities if e["entity"] == "red_flag"],
        "red_flags_negated": [],
        "text_tokens": tokens,
        "intent_ranking": [first, *(o for o in others if o["name"] != intent)][:10],
        "response_selector": {
            "all_retrieval_intents": ["faq"],
            "faq": {
                "response": {
                    "responses": [{"text": f"faq/{topic}"}],
                    "confidence": 0.93,
                    "intent_response_key": f"faq/{topic}",
                    "utter_action": f"utter_faq/{topic}",
                },
                "ranking": ranking,
            },
        },
    }


def said(text, intent, when, entities=(), topic="refills", channel="socketio"):
    data = parse(text, intent, entities, topic)
    return UserUttered(
        text,
        data["intent"],
        data["entities"],
        data,
        timestamp=when,
        input_channel=channel,
        message_id=f"m{when}",
        metadata={"haip": when},
    )


def answered(action, text, when, buttons=None):
    return [
        DefinePrevUserUtteredFeaturization(False, timestamp=when),
        ActionExecuted(action, timestamp=when + 0.1),
        BotUttered(
            text,
            {"buttons": buttons} if buttons else {},
            {"content_version": "v1"},
            timestamp=when + 0.2,
        ),
        ActionExecuted("action_listen", timestamp=when + 0.3),
    ]


def reminder_turn(reminder_id, when, reply=True):
    """What Rasa records for the scheduler's trigger_intent."""
    event = UserUttered.create_external(
        intents.REFILL_DUE, [{"entity": external.ENTITY, "value": reminder_id}], "rest"
    )
    event.timestamp = when
    events = [
        event,
        DefinePrevUserUtteredFeaturization(False, timestamp=when),
        ActionExecuted("action_refill_reminder", timestamp=when + 0.1),
    ]
    if reply:
        events.append(BotUttered(f"Reminder {reminder_id}", {}, {}, timestamp=when + 0.2))
    return [*events, ActionExecuted("action_listen", timestamp=when + 0.3)]


def conversation(turns: int, reminder_id: int = 7) -> list:
    """A session with FAQ turns, urgent symptoms, buttons, a refill form, a
    reminder answered and one not answered, then more turns from another channel."""
    events = [
        ActionExecuted("action_session_start", timestamp=1.0),
        SessionStarted(timestamp=2.0),
        ActionExecuted("action_listen", timestamp=3.0),
    ]
    when = 10.0
    for n in range(turns):
        when += 10
        if n % 5 == 1:
            red = [{"entity": "red_flag", "value": "fever_chills", "extractor": "SafetyRouter"}]
            events += [said(f"fever and chills {n}", "urgent_symptom", when, red)]
            events += answered("action_urgent_guidance", "Call now.", when)
            events.append(SlotSet("staff_follow_up", ["urgent_symptom"], timestamp=when + 0.4))
        elif n % 5 == 2:
            button = [{"entity": "topic", "value": "refills"}]
            events += [said('/faq{"topic": "refills"}', "faq", when, button, channel="rest")]
            events += answered(
                "action_answer_faq",
                "Refills ...",
                when,
                buttons=[{"title": "More", "payload": "/faq"}],
            )
        elif n % 5 == 3:
            events += [said("remind me of my refill", "set_reminder", when)]
            events += [
                DefinePrevUserUtteredFeaturization(False, timestamp=when),
                ActionExecuted("refill_form", timestamp=when + 0.1),
                ActiveLoop("refill_form", timestamp=when + 0.2),
                SlotSet("requested_slot", "refill_date", timestamp=when + 0.3),
                BotUttered("When is it?", {}, {}, timestamp=when + 0.4),
                ActionExecuted("action_listen", timestamp=when + 0.5),
            ]
            when += 5
            events += [
                said("Dec 3", "out_of_scope", when),
                ActionExecuted("refill_form", timestamp=when + 0.1),
                SlotSet("refill_date", "2026-12-03", timestamp=when + 0.2),
                SlotSet("requested_slot", None, timestamp=when + 0.3),
                ActiveLoop(None, timestamp=when + 0.4),
                ActionExecuted("action_set_reminder", timestamp=when + 0.5),
                BotUttered(None, {"custom": {"type": "calendar"}}, {}, timestamp=when + 0.6),
                ActionExecuted("action_listen", timestamp=when + 0.7),
            ]
        elif n % 5 == 4:
            events += reminder_turn(reminder_id + n, when, reply=n % 2 == 0)
        else:
            events += [said(f"question {n} about the pump", "faq", when, topic=TOPICS[n % 10])]
            events += answered("action_answer_faq", f"answer {n}", when)
    return events


def tracker_of(events, domain) -> DialogueStateTracker:
    return DialogueStateTracker.from_events(SENDER, events, domain.slots, domain=domain)


def payloads(rasas, events, domain, action="action_answer_faq"):
    tracker = tracker_of(events, domain)
    before = copy.deepcopy(tracker.current_state(EventVerbosity.ALL))
    remote = RemoteAction(action, None)
    theirs = rasas(remote, tracker, domain)
    ours = RemoteAction._action_call_format(remote, tracker, domain)
    # Nothing of the tracker itself changed.
    assert tracker.current_state(EventVerbosity.ALL) == before
    assert theirs["tracker"] == before
    # As the action server gets them: through JSON.
    return json.loads(json.dumps(theirs)), json.loads(json.dumps(ours))


def same_but_trimmed(theirs: dict, ours: dict) -> None:
    """Ours is theirs but for the events: those of the recent turns as Rasa's
    (past user events' parse_data cut), after fewer, smaller older ones."""
    assert ours.keys() == theirs.keys()
    for key in theirs:
        if key != "tracker":
            assert ours[key] == theirs[key], key
    assert ours["tracker"].keys() == theirs["tracker"].keys()
    for key in theirs["tracker"]:
        if key != "events":
            assert ours["tracker"][key] == theirs["tracker"][key], key
    old, new = theirs["tracker"]["events"], ours["tracker"]["events"]
    users = [i for i, e in enumerate(old) if e["event"] == "user"]
    start = users[-action_payload.RECENT_TURNS] if len(users) > action_payload.RECENT_TURNS else 0
    recent = new[len(new) - (len(old) - start) :]
    assert len(new) - len(recent) <= start
    for mine in new[: len(new) - len(recent)]:
        assert mine["event"] in ("user", "bot", "session_started")
    for i, (mine, rasas_event) in enumerate(zip(recent, old[start:], strict=True), start=start):
        if i in users[:-1]:
            parse_data = rasas_event["parse_data"]
            assert mine["parse_data"] == {
                "intent": parse_data["intent"],
                "entities": parse_data["entities"],
            }
            assert {**mine, "parse_data": None} == {**rasas_event, "parse_data": None}
        else:
            assert mine == rasas_event


def recent(events: list[dict]) -> list[dict]:
    """The events from the RECENT_TURNS-th last user event on."""
    users = [i for i, e in enumerate(events) if e["event"] == "user"]
    if len(users) <= action_payload.RECENT_TURNS:
        return events
    return events[users[-action_payload.RECENT_TURNS] :]


def what_actions_read(state: dict) -> dict:
    sdk = Tracker.from_dict(state)
    return {
        "latest_message": sdk.latest_message,
        "slots": sdk.slots,
        "active_loop": sdk.active_loop,
        "slots_to_validate": sdk.slots_to_validate(),
        "input_channel": sdk.get_latest_input_channel(),
        "intent": sdk.get_intent_of_latest_message(),
        "entities": list(sdk.get_latest_entity_values("red_flag")),
        "applied": [e["event"] for e in recent(sdk.applied_events())],
        "first_turn": replies.is_first_turn(sdk),
        "reminder_ids": [r for e in sdk.events if (r := external.reminder_id(e)) is not None],
        "delivered": [external.delivered_in(sdk.events, r) for r in range(7, 7 + 60)],
    }


def every_prefix(turns: int):
    events = conversation(turns)
    # Each place an action can be called: after any event, and in the middle of
    # a form's validation (slot candidates last).
    cuts = range(1, len(events) + 1)
    return [events[:cut] for cut in cuts]


def test_only_past_parse_data_and_old_turns_are_cut_and_the_actions_read_the_same(rasas, domain):
    seen = []
    for events in every_prefix(12):
        theirs, ours = payloads(rasas, events, domain)
        same_but_trimmed(theirs, ours)
        read = what_actions_read(ours["tracker"])
        assert read == what_actions_read(theirs["tracker"])
        seen.append(read)
    # The conversation has what the readers look for: reminders 11 (answered)
    # and 16 (not), form slot candidates, both channels, first and later turns.
    assert set(seen[-1]["reminder_ids"]) == {11, 16}
    assert seen[-1]["delivered"][11 - 7] and not seen[-1]["delivered"][16 - 7]
    assert {"refill_date": "2026-12-03"} in [r["slots_to_validate"] for r in seen]
    assert {r["input_channel"] for r in seen} == {None, "socketio", "rest"}
    assert {r["first_turn"] for r in seen} == {True, False}


def test_a_bot_reply_before_the_recent_turns_still_means_not_the_first_turn(rasas, domain):
    # Six reminders in a row that went unanswered: no bot event in the recent turns.
    events = conversation(3)
    for n in range(6):
        events += reminder_turn(100 + n, 1000.0 + 10 * n, reply=False)
    theirs, ours = payloads(rasas, events, domain)
    same_but_trimmed(theirs, ours)
    assert not [e for e in recent(ours["tracker"]["events"]) if e["event"] == "bot"]
    assert replies.is_first_turn(Tracker.from_dict(ours["tracker"])) is False
    assert what_actions_read(ours["tracker"]) == what_actions_read(theirs["tracker"])


def test_the_latest_message_is_rasas_in_full(rasas, domain):
    events = conversation(6)
    theirs, ours = payloads(rasas, events, domain)
    latest = ours["tracker"]["latest_message"]
    assert latest == theirs["tracker"]["latest_message"]
    assert {"intent_ranking", "response_selector", "text_tokens"} <= set(latest)


def test_a_form_validation_sees_the_same_slot_candidates(rasas, domain):
    events = conversation(5)
    events += [
        said("remind me", "set_reminder", 900.0),
        ActionExecuted("refill_form", timestamp=900.1),
        ActiveLoop("refill_form", timestamp=900.2),
        SlotSet("requested_slot", "refill_date", timestamp=900.3),
        BotUttered("When is it?", {}, {}, timestamp=900.4),
        ActionExecuted("action_listen", timestamp=900.5),
        said("Dec 3", "out_of_scope", 910.0),
        # Rasa's FormAction adds the extracted candidates before validating.
        SlotSet("refill_date", "Dec 3", timestamp=910.1),
    ]
    theirs, ours = payloads(rasas, events, domain, "validate_refill_form")
    same_but_trimmed(theirs, ours)
    assert Tracker.from_dict(ours["tracker"]).slots_to_validate() == {"refill_date": "Dec 3"}


def run_action(payload: dict) -> dict:
    executor = ActionExecutor()
    executor.register_package("actions")
    return asyncio.new_event_loop().run_until_complete(executor.run(copy.deepcopy(payload)))


@pytest.mark.parametrize(
    "action",
    [
        "action_answer_faq",
        "action_not_sure",
        "action_urgent_guidance",
        "action_welcome",
        "validate_refill_form",
        "action_refill_reminder",
    ],
)
def test_our_actions_answer_the_same(rasas, domain, store, action):
    now = dt.datetime.now(dt.timezone.utc)
    answered_one = store.set(SENDER, dt.date(2026, 12, 3), now)
    store.claim(answered_one.id)
    waiting = store.set(SENDER, dt.date(2026, 12, 17), now)
    store.claim(waiting.id)
    events = conversation(8, reminder_id=answered_one.id - 4)  # turn 4 answers it
    for reminder in (answered_one, waiting):
        trigger = reminder_turn(reminder.id, 2000.0 + reminder.id, reply=False)[:1]
        for latest in (trigger, [*trigger, SlotSet("refill_date", "Dec 3", timestamp=3000.0)]):
            theirs, ours = payloads(rasas, events + latest, domain, action)
            assert run_action(ours) == run_action(theirs)
    # The check that matters for the reminder: an answered one is not sent twice.
    if action == "action_refill_reminder":
        for reminder, sent in ((answered_one, False), (waiting, True)):
            trigger = reminder_turn(reminder.id, 5000.0, reply=False)[:1]
            _, ours = payloads(rasas, events + trigger, domain, action)
            assert bool(run_action(ours)["responses"]) is sent


def test_a_long_conversation_is_much_smaller_and_stays_small(rasas, domain):
    """Measured: 20 turns 61,844 -> 9,927 bytes; 200 turns 583,386 -> 28,304."""
    size = {}
    for turns in (20, 200):
        theirs, ours = payloads(rasas, conversation(turns), domain)
        same_but_trimmed(theirs, ours)
        assert what_actions_read(ours["tracker"]) == what_actions_read(theirs["tracker"])
        size[turns] = {"theirs": len(json.dumps(theirs)), "ours": len(json.dumps(ours))}
    print(f"request bytes by turns: {size}")
    assert size[20]["ours"] < size[20]["theirs"] / 5
    assert size[200]["ours"] < size[200]["theirs"] / 15
    # What grows is one small marker a user message.
    assert size[200]["ours"] < 3 * size[20]["ours"]
