"""bot/rasa/prior_states.py gives Rasa's own states, step by step, for every
story and rule we train and test on, and for rewinds, restarts and new sessions."""

import json

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActionReverted,
    ActiveLoop,
    Event,
    Restarted,
    SessionStarted,
    SlotSet,
    UserUtteranceReverted,
    UserUttered,
)
from rasa.shared.core.generator import TrainingDataGenerator
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.importers.importer import TrainingDataImporter

from bot import paths
from bot.rasa import prior_states


@pytest.fixture(scope="module")
def domain():
    return Domain.load(paths.ROOT / "domain.yml")


@pytest.fixture(scope="module")
def conversations(domain):
    importer = TrainingDataImporter.load_from_dict(
        domain_path=str(paths.ROOT / "domain.yml"),
        training_data_paths=[
            str(paths.ROOT / "data" / "stories"),
            str(paths.ROOT / "data" / "rules"),
            str(paths.TEST_STORIES),
        ],
    )
    generated = TrainingDataGenerator(
        importer.get_stories(), domain, augmentation_factor=0, remove_duplicates=False
    ).generate()
    # Plain trackers, as the Rasa server has: the generator's own cache states.
    return [list(tracker.events) for tracker in generated if tracker.events]


RULE_ONLY_DATA = [None, {"slots": ["refill_date"], "active_loops": ["refill_form"]}]


def kinds():
    for rule_only_data in RULE_ONLY_DATA:
        for ignore_rule_only_turns in (False, True):
            for omit_unset_slots in (False, True):
                yield omit_unset_slots, ignore_rule_only_turns, rule_only_data


def fresh(events, domain, sender="patient"):
    """A tracker as the tracker store gives it for each message: each event
    read back from its stored JSON."""
    stored = [json.loads(json.dumps(event.as_dict())) for event in events]
    return DialogueStateTracker.from_events(
        sender, [Event.from_parameters(row) for row in stored], domain.slots
    )


def assert_same_at_every_step(events, domain, cache, sender="patient"):
    for end in range(1, len(events) + 1):
        tracker = fresh(events[:end], domain, sender)
        for omit, ignore, rule_only_data in kinds():
            ours = cache.states(domain, tracker, omit, ignore, rule_only_data)
            rasas = prior_states._original(domain, tracker, omit, ignore, rule_only_data)
            assert ours == rasas, (end, omit, ignore, rule_only_data)
        for replay in cache._replays.values():
            if replay.tracker.sender_id == sender:  # folded as Rasa folds them
                assert replay.applied == tracker.applied_events()


def test_rasas_states_after_every_event_of_every_story_and_rule(domain, conversations):
    assert len(conversations) > 50
    cache = prior_states.PriorStates()
    for number, events in enumerate(conversations):
        assert_same_at_every_step(events, domain, cache, sender=f"story-{number}")
    # Nearly every step after a conversation's first resumed the step before
    # (a story that rewinds or restarts starts afresh there).
    first_steps = len(conversations) * len(list(kinds()))
    assert cache.misses < 1.1 * first_steps
    assert cache.hits + cache.misses == sum(map(len, conversations)) * len(list(kinds()))


def user(intent: str, text: str | None = None) -> list:
    text = text or intent
    # As Rasa's NLU gives it: text_tokens as tuples, read back as lists.
    parse_data = {"text_tokens": [(0, len(text))], "intent_ranking": []}
    return [
        ActionExecuted("action_listen"),
        UserUttered(text, {"name": intent, "confidence": 1.0}, parse_data=parse_data),
    ]


def test_rewinds_restarts_and_new_sessions(domain):
    events = [
        ActionExecuted("action_session_start"),
        SessionStarted(),
        *user("greet", "hello"),
        ActionExecuted("utter_greet"),
        *user("faq", "what is the pump"),
        ActionExecuted("action_answer_faq"),
        UserUtteranceReverted(),  # the patient's message taken back
        *user("set_reminder", "remind me"),
        ActionExecuted("refill_form"),
        ActiveLoop("refill_form"),
        SlotSet("requested_slot", "refill_date"),
        *user("set_reminder", "next friday"),
        ActionExecuted("refill_form"),  # the form's happy path: folded away
        SlotSet("refill_date", "2026-12-04"),
        ActiveLoop(None),
        SlotSet("requested_slot", None),
        ActionReverted(),
        ActionExecuted("action_listen"),
        Restarted(),
        *user("greet"),
        ActionExecuted("action_session_start"),
        SessionStarted(),
        *user("faq", "how long is the stay"),
    ]
    cache = prior_states.PriorStates()
    assert_same_at_every_step(events, domain, cache)
    # A rewind, restart or new session changes the events Rasa replays: those
    # steps start afresh; the others resume.
    assert len(list(kinds())) < cache.misses < cache.hits / 2


def test_what_callers_change_does_not_change_the_next_answer(domain, conversations):
    events = max(conversations, key=len)
    cache = prior_states.PriorStates()
    tracker = fresh(events, domain)
    for state in cache.states(domain, tracker):
        state.clear()  # as Rasa's featurizer deletes the user's text in place
    assert cache.states(domain, tracker) == prior_states._original(domain, tracker)
    assert cache.hits == 1


def test_another_domain_or_tracker_starts_afresh(domain, conversations):
    events = max(conversations, key=len)
    cache = prior_states.PriorStates(max_conversations=2)
    cache.states(domain, fresh(events, domain))
    other = Domain.load(paths.ROOT / "domain.yml")
    assert cache.states(other, fresh(events, other)) == prior_states._original(
        other, fresh(events, other)
    )
    assert (cache.hits, cache.misses) == (0, 2)
    for sender in ("a", "b", "c"):
        cache.states(domain, fresh(events, domain, sender))
    assert len(cache._replays) == 2
