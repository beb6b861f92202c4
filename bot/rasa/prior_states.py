"""Rasa's dialogue states for a conversation, each computed once.

To predict the next action, both our policies (MemoizationPolicy, RulePolicy)
ask Rasa for the state before every action of the session so far
(`Domain.states_for_tracker_history`): Rasa replays every event of the session
into a fresh tracker and rebuilds every state, twice per prediction and two or
three predictions per message. py-spy (bench/profile.py --growth) put 32% of the
Rasa server's time there at messages 150-250 of one conversation, the largest
thing that grows with a conversation's length.

A state depends only on the events before it, so this keeps, per conversation
and per kind of call, the replayed tracker and the states so far, and replays
only the events that came since. It reuses them only when the events Rasa
would replay begin with exactly the events it replayed before (same class,
same attributes, a user event's parse_data aside: see _attributes); anything
else (a rewind, a restart, a new session, another model's domain) is computed
afresh as Rasa does. The loop below is Rasa 3.6's
own (rasa/shared/core/domain.py), split so that it can be resumed;
tests/with_rasa/test_prior_states.py checks it gives Rasa's states at every step of
every story and rule we train on.

Like action_results, install() swaps the one method on the class, in every
process that runs Rasa (bot/rasa/__init__.py's install()).
"""

from __future__ import annotations

import copy
import json
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from rasa.shared.core.domain import Domain, State
from rasa.shared.core.events import (
    ActionExecuted,
    ActionReverted,
    ActiveLoop,
    Event,
    Restarted,
    SessionStarted,
    UserUtteranceReverted,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

# Conversations kept; each holds its events once more (the tracker store's
# cache holds them too) and a few small dicts per action.
MAX_CONVERSATIONS = 500

_original = Domain.states_for_tracker_history


@dataclass
class _Replay:
    """Where Rasa's loops over a session had got to: the events folded into
    applied events (DialogueStateTracker.applied_events), and the applied
    events replayed into states (Domain.states_for_tracker_history)."""

    domain_id: int
    tracker: DialogueStateTracker
    raw: list[Event] = field(default_factory=list)
    loop_names: frozenset[str] = frozenset()
    applied: list[Event] = field(default_factory=list)
    replayed: int = 0  # applied events replayed into the tracker and states
    states: list[State] = field(default_factory=list)
    last_ml_action_sub_state: Any = None
    turn_was_hidden: bool = False


class PriorStates:
    def __init__(self, max_conversations: int = MAX_CONVERSATIONS) -> None:
        self.max_conversations = max_conversations
        self._replays: OrderedDict[tuple, _Replay] = OrderedDict()
        self.hits = 0  # calls that resumed a replay (tests read these)
        self.misses = 0

    def states(
        self,
        domain: Domain,
        tracker: DialogueStateTracker,
        omit_unset_slots: bool = False,
        ignore_rule_only_turns: bool = False,
        rule_only_data: dict[str, Any] | None = None,
    ) -> list[State]:
        key = (
            tracker.sender_id,
            omit_unset_slots,
            ignore_rule_only_turns,
            json.dumps(rule_only_data, sort_keys=True, default=str),
        )
        raw = list(tracker.events)
        replay = self._replays.pop(key, None)
        if replay is None or not _resumes(replay, domain, tracker, raw):
            self.misses += 1
            replay = _Replay(id(domain), tracker.init_copy())
            replay.raw = raw
            replay.loop_names = _loop_names(raw)
            replay.applied = tracker.applied_events()
        else:
            self.hits += 1
        for event in replay.applied[replay.replayed :]:
            if isinstance(event, ActionExecuted):
                _step(
                    domain,
                    replay,
                    omit_unset_slots,
                    ignore_rule_only_turns,
                    rule_only_data,
                    event.hide_rule_turn,
                )
            replay.tracker.update(event)
        replay.replayed = len(replay.applied)
        self._replays[key] = replay
        while len(self._replays) > self.max_conversations:
            self._replays.popitem(last=False)

        # The state after the last event: computed on a copy, as the next
        # event may be an action that Rasa's loop would see with another flag.
        final = copy.copy(replay)
        final.states = list(replay.states)
        _step(domain, final, omit_unset_slots, ignore_rule_only_turns, rule_only_data, False)
        # Callers change states in place (Rasa's featurizer deletes user text).
        return [_copy_state(state) for state in final.states]


def _resumes(
    replay: _Replay, domain: Domain, tracker: DialogueStateTracker, raw: list[Event]
) -> bool:
    """Brings the replay up to the tracker's events if they begin with those it
    folded and add no loop (a new loop's name changes how Rasa folds the earlier
    events), and if the fold took back none of the applied events already
    replayed; False if it must start afresh."""
    if replay.domain_id != id(domain) or len(raw) < len(replay.raw):
        return False
    if not all(map(_same, replay.raw, raw)):
        return False
    added = raw[len(replay.raw) :]
    loop_names = replay.loop_names | _loop_names(added)
    if loop_names == replay.loop_names:
        applied, lowest = _fold(tracker, added, list(replay.applied), loop_names)
        if lowest < replay.replayed:
            return False
    else:  # Rasa's fold over all the events, and do they keep what was replayed?
        applied = tracker.applied_events()
        if len(applied) < replay.replayed or not all(
            _same(old, new)
            for old, new in zip(replay.applied[: replay.replayed], applied, strict=False)
        ):
            return False
        applied[: replay.replayed] = replay.applied[: replay.replayed]
    replay.raw, replay.applied, replay.loop_names = raw, applied, loop_names
    return True


def _same(old: Event, new: Event) -> bool:
    return (
        old is new
        or type(old) is type(new)
        and (old.__dict__ == new.__dict__ or _attributes(old) == _attributes(new))
    )


def _loop_names(events: list[Event]) -> frozenset[str]:
    return frozenset(e.name for e in events if isinstance(e, ActiveLoop) and e.name)


def _fold(
    tracker: DialogueStateTracker,
    events: list[Event],
    applied: list[Event],
    loop_names: frozenset[str],
) -> tuple[list[Event], int]:
    """Rasa 3.6's DialogueStateTracker.applied_events, continued from `applied`
    over more events; also the fewest applied events it came down to."""
    lowest = len(applied)
    for event in events:
        if isinstance(event, (Restarted, SessionStarted)):
            applied = []
        elif isinstance(event, ActionReverted):
            tracker._undo_till_previous(ActionExecuted, applied)
        elif isinstance(event, UserUtteranceReverted):
            tracker._undo_till_previous(UserUttered, applied)
            tracker._undo_till_previous(ActionExecuted, applied)
        elif (
            isinstance(event, ActionExecuted)
            and event.action_name in loop_names
            and not tracker._first_loop_execution_or_unhappy_path(event.action_name, applied)
        ):
            tracker._undo_till_previous_loop_execution(event.action_name, applied)
        else:
            applied.append(event)
        lowest = min(lowest, len(applied))
    return applied, lowest


def _attributes(event: Event) -> dict[str, Any]:
    """What a state can depend on. A user event's parse_data is left out: read
    back from the tracker store it has lists where the live one has tuples
    (text_tokens), and states read only its intent and entities, which are
    attributes of their own."""
    if isinstance(event, UserUttered):
        return {name: value for name, value in event.__dict__.items() if name != "parse_data"}
    return event.__dict__


def _step(
    domain: Domain,
    replay: _Replay,
    omit_unset_slots: bool,
    ignore_rule_only_turns: bool,
    rule_only_data: dict[str, Any] | None,
    hide_rule_turn: bool,
) -> None:
    """One turn of the loop in Rasa's Domain.states_for_tracker_history."""
    tr = replay.tracker
    if ignore_rule_only_turns:
        if not replay.turn_was_hidden:
            replay.last_ml_action_sub_state = domain._get_prev_action_sub_state(tr)
        if not tr.followup_action and not tr.latest_action_name == tr.active_loop_name:
            replay.turn_was_hidden = hide_rule_turn
        if replay.turn_was_hidden:
            return

    state = domain.get_active_state(tr, omit_unset_slots=omit_unset_slots)

    if ignore_rule_only_turns:
        domain._remove_rule_only_features(state, rule_only_data)
        if replay.states:
            domain._substitute_rule_only_user_input(state, replay.states[-1])
        if replay.last_ml_action_sub_state:
            state["prev_action"] = replay.last_ml_action_sub_state

    replay.states.append(domain._clean_state(state))


def _copy_state(state: State) -> State:
    """A state whose user sub-state callers may change: Rasa's featurizer deletes
    the user's text (or intent) there. The other sub-states are shared."""
    copied = dict(state)
    if "user" in copied:
        copied["user"] = dict(copied["user"])
    return copied


CACHE = PriorStates()


def states_for_tracker_history(
    self: Domain,
    tracker: DialogueStateTracker,
    omit_unset_slots: bool = False,
    ignore_rule_only_turns: bool = False,
    rule_only_data: dict[str, Any] | None = None,
) -> list[State]:
    """Domain.states_for_tracker_history, resumed where it last stopped."""
    return CACHE.states(self, tracker, omit_unset_slots, ignore_rule_only_turns, rule_only_data)


def install() -> None:
    Domain.states_for_tracker_history = states_for_tracker_history
