"""The review log follows Rasa's tracker store: it reads the `events` table by
id from a saved position and writes masked rows to the workspace's database.

Why not Rasa's SQL event broker: it re-reads the whole tracker before each save
and commits events one by one, which would slow every reply. Reading the events
table afterwards costs a reply nothing, and catches up after any downtime.

Exactly once: the rows and the new position are written in one transaction,
and each row is unique by its event id, so a crash at any point means the next
run starts where the last commit ended. SQLite hands out event ids in commit
order (one writer at a time), so a saved position never skips a late commit.

The events come through bot/events (EventSource): the tracker file, or scaled
out, Rasa's event broker in PostgreSQL. There several servers take ids from one
sequence and may commit them out of order, so a batch stops at a missing id
until the id has been missing for GAP_WAIT_S (a rolled-back insert leaves one
for good). The trouble log (bot/servers/trouble_log.py) is followed the same way.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from collections.abc import Callable, Collection
from pathlib import Path

from django.db import transaction

from bot import intents, paths
from bot.content import languages
from bot.content.loader import ContentError
from bot.content.store import ContentStore
from bot.events import EventSource, for_tracker
from bot.nlu.symptom_questions import SYMPTOM_QUESTION
from bot.servers import typed_commands
from bot.servers.trouble_log import TroubleLog
from staff.review import conversations, outcomes, pseudonyms
from staff.review.cells import known_topic, without_controls
from staff.review.masking import mask
from staff.review.models import Message, Outcome, PendingTrouble, Position

logger = logging.getLogger(__name__)

SOURCE = "rasa-events"
BATCH = 500
# A trouble message whose patient message Rasa has still not saved after this
# long belongs to a message Rasa never saved (it stopped): it is logged as such.
UNSAVED_AFTER = dt.timedelta(minutes=10)
# Only events the review log uses are read; the rest only move the position.
WANTED = ("user", "bot", "action")
GAP_WAIT_S = 30.0
_CONTENT = ContentStore(paths.CONTENT_DIR)


def _time(timestamp: float | None) -> dt.datetime:
    return dt.datetime.fromtimestamp(timestamp or time.time(), tz=dt.timezone.utc)


def _topic(parse: dict) -> str:
    """The topic the patient asked about: a button's, the FAQ topic the model
    picked (also its closest guess when not sure), or a symptom question's.
    Other intents (a request for a person, a greeting) have none, whatever the
    response selector guessed."""
    for entity in parse.get("entities") or []:
        if entity.get("entity") == "topic":
            return str(entity.get("value") or "")
    intent = (parse.get("intent") or {}).get("name")
    if intent == intents.URGENT:
        return str((parse.get(SYMPTOM_QUESTION) or {}).get("topic") or "")
    if intent not in (intents.RETRIEVAL_INTENT, intents.FALLBACK):
        return ""
    selector = (parse.get("response_selector") or {}).get(intents.RETRIEVAL_INTENT) or {}
    key = (selector.get("response") or {}).get("intent_response_key")
    return intents.topic_from_response_key(key) or ""


def known_language(code) -> str:
    """A language code the content knows, else "": the parse data is what a
    client sent through Rasa, never trusted as it is."""
    return code if isinstance(code, str) and code in languages.NAMES else ""


def _confidence(parse: dict) -> float | None:
    selector = (parse.get("response_selector") or {}).get(intents.RETRIEVAL_INTENT) or {}
    if (parse.get("intent") or {}).get("name") == intents.RETRIEVAL_INTENT and selector:
        return (selector.get("response") or {}).get("confidence")
    return (parse.get("intent") or {}).get("confidence")


def _content_topic_ids() -> Collection[str] | None:
    """The content's topic ids; None if there is no valid content to read."""
    try:
        return frozenset(_CONTENT.get().topics)
    except ContentError:
        return None


class Follower:
    def __init__(
        self,
        events: EventSource | Path,
        topic_ids: Callable[[], Collection[str] | None] = _content_topic_ids,
        trouble: TroubleLog | None = None,
    ):
        tracker_db = Path(events) if isinstance(events, (str, Path)) else None
        # A tracker file's path: its events (the event broker's when scaled out)
        # and the trouble log that goes with it.
        self.events = for_tracker(tracker_db) if tracker_db else events
        self.trouble = trouble or TroubleLog.from_settings(tracker_db=tracker_db)
        # Asked once per batch: the topic column holds only these (staff/review/cells.py).
        self.topic_ids = topic_ids
        self._known: Collection[str] | None = None
        # Each conversation's latest turn (see _turn), read from the log once per batch.
        self._turns: dict[str, Message | None] = {}
        # Each conversation's latest buttons, payload -> title: a tap is logged as
        # the words the patient pressed.
        self._buttons: dict[str, dict[str, str]] = {}
        # Per source: first missing id -> when first seen.
        self._gaps: dict[str, dict[int, float]] = {}

    def _read_events(self, after: int, limit: int) -> list[tuple]:
        rows = self.events.after(after, limit)
        return self.settled(rows, after) if self.events.out_of_order else rows

    def settled(
        self, rows: list[tuple], after: int, now: float | None = None, source: str = "events"
    ) -> list[tuple]:
        """The rows up to the first missing id, unless it has been missing for
        GAP_WAIT_S: an event committed late is then still read in order."""
        now = time.monotonic() if now is None else now
        gaps = self._gaps.setdefault(source, {})
        expected = after + 1
        for index, row in enumerate(rows):
            if row[0] != expected:
                first_seen = gaps.setdefault(expected, now)
                if now - first_seen < GAP_WAIT_S:
                    return rows[:index]
            expected = row[0] + 1
        self._gaps[source] = {missing: seen for missing, seen in gaps.items() if missing > after}
        return rows

    def position(self, source: str = SOURCE) -> int:
        row = Position.objects.filter(source=source).first()
        return row.last_event_id if row else 0

    def follow_once(self, limit: int = BATCH) -> int:
        """Copy the next batch of events, then the trouble-message records; the
        number of rows read."""
        read = self._follow_events(limit)
        return read + self._follow_trouble(limit)

    def _follow_events(self, limit: int) -> int:
        rows = self._read_events(self.position(), limit)
        if not rows:
            return 0
        self._turns.clear()
        self._known = self.topic_ids()
        with transaction.atomic():
            changed: dict[int, Message] = {}
            for row in rows:
                self._apply(row, changed)
            for message in changed.values():
                message.save()
            conversations.refresh(pseudonyms.of(row[1]) for row in rows if row[2] in WANTED)
            Position.objects.update_or_create(
                source=SOURCE, defaults={"last_event_id": rows[-1][0]}
            )
        return len(rows)

    def _follow_trouble(self, limit: int, now: dt.datetime | None = None) -> int:
        source = self.trouble.position_key
        after = self.position(source)
        rows = self.trouble.after(after, limit)
        if self.trouble.out_of_order:
            rows = self.settled(rows, after, source="trouble")
        with transaction.atomic():
            for trouble_id, sender_id, message_id, timestamp in rows:
                PendingTrouble.objects.get_or_create(
                    trouble_id=trouble_id,
                    defaults={
                        "message_id": message_id,
                        "conversation": pseudonyms.of(sender_id),
                        "time": _time(timestamp),
                    },
                )
            if rows:
                Position.objects.update_or_create(
                    source=source, defaults={"last_event_id": rows[-1][0]}
                )
            self._settle_trouble(now or dt.datetime.now(tz=dt.timezone.utc))
        return len(rows)

    def _settle_trouble(self, now: dt.datetime) -> None:
        for pending in PendingTrouble.objects.all():
            message = Message.objects.filter(
                sender=Message.PATIENT, message_id=pending.message_id
            ).first()
            if message is None and now - pending.time < UNSAVED_AFTER:
                continue  # Rasa saves the message once it has finished with it
            if message is None:
                message = Message(
                    event_id=-pending.trouble_id,  # no Rasa event: a negative id of its own
                    time=pending.time,
                    conversation=pending.conversation,
                    sender=Message.PATIENT,
                    text="",
                    message_id=pending.message_id,
                )
            message.set_outcome(Outcome.TROUBLE)
            message.save()
            conversations.refresh([message.conversation])
            pending.delete()

    def catch_up(self) -> int:
        total = 0
        while read := self.follow_once():
            total += read
        return total

    def run(self, every_s: float, stop) -> None:
        """Follow until stop() is true; a failed round is logged and retried."""
        while not stop():
            try:
                if self.follow_once() >= BATCH:
                    continue
            except Exception as exc:  # a locked or full database: try again, lose nothing
                # The type only: a message could quote the patient's words.
                logger.error("Review log: a round failed (%s); retrying", type(exc).__name__)
            time.sleep(every_s)

    def _apply(self, row: tuple, changed: dict[int, Message]) -> None:
        event_id, sender_id, kind, timestamp, action_name, data = row
        if kind not in WANTED:
            return
        try:
            event = json.loads(data or "{}")
        except ValueError:
            logger.warning("Review log: event %s is not JSON; skipped", event_id)
            return
        conversation = pseudonyms.of(sender_id)
        if kind == "user":
            self._add_turn(event_id, timestamp, conversation, event)
            return
        turn = self._turn(conversation)
        patient_turn = turn if turn is not None and turn.sender == Message.PATIENT else None
        if kind == "action":
            outcome = outcomes.of_action(action_name or event.get("name") or "")
            if patient_turn is not None and outcome is not None:
                patient_turn.set_outcome(outcome)
                changed[patient_turn.pk] = patient_turn
            return
        # A reply of the assistant.
        buttons = (event.get("data") or {}).get("buttons") or []
        if buttons:
            self._buttons[conversation] = {
                str(b.get("payload")): str(b.get("title") or "")
                for b in buttons
                if isinstance(b, dict)
            }
        metadata = event.get("metadata") or {}
        version = str(metadata.get("content_version") or "")[:16]
        Message.objects.create(
            event_id=event_id,
            time=_time(timestamp),
            conversation=conversation,
            sender=Message.ASSISTANT,
            text=mask(without_controls(str(event.get("text") or ""))),
            outcome=Outcome.OTHER,
            content_version=version,
        )
        if patient_turn is None:
            return
        if version and not patient_turn.content_version:
            patient_turn.content_version = version
            changed[patient_turn.pk] = patient_turn
        if intents.ANSWERED_TOPIC in metadata:
            self._answered(patient_turn, str(metadata[intents.ANSWERED_TOPIC] or ""))
            changed[patient_turn.pk] = patient_turn

    def _answered(self, turn: Message, topic: str) -> None:
        """What the FAQ answer sent: a topic's answer (its topic is the turn's),
        or none (the topic asked for is not in the content)."""
        topic = known_topic(topic, self._known)
        if topic:
            turn.topic = topic
        else:
            turn.set_outcome(Outcome.NOT_UNDERSTOOD)

    def _add_turn(self, event_id: int, timestamp, conversation: str, event: dict) -> None:
        """A patient message, or a reminder the scheduler started (Rasa records
        those as user events of an external intent: they are not the patient's)."""
        parse = event.get("parse_data") or {}
        intent = str((parse.get("intent") or {}).get("name") or "")
        text = str(event.get("text") or "")
        if text.startswith("/") and typed_commands.is_widget_signal(text):
            # What the web chat sends by itself (its opening, its language button,
            # "forget this device"), not the patient's words: what follows belongs
            # to no earlier question.
            self._turns[conversation] = None
            return
        if text.startswith("/"):
            # Only the assistant's own payloads reach Rasa with a "/"
            # (bot/servers/typed_commands.py): a button the patient pressed.
            text = self._button_title(conversation, text)
        if intents.is_external(intent):
            turn = Message(sender=Message.SYSTEM, text="", intent=intent, outcome=Outcome.REMINDER)
        else:
            turn = Message(
                sender=Message.PATIENT,
                text=mask(without_controls(text)),
                intent=intent,
                topic=known_topic(_topic(parse), self._known),
                confidence=_confidence(parse),
                language=known_language(parse.get(intents.MESSAGE_LANGUAGE)),
                message_id=str(parse.get("message_id") or event.get("message_id") or "")[:40],
            )
        turn.event_id, turn.time, turn.conversation = event_id, _time(timestamp), conversation
        turn.save()
        self._turns[conversation] = turn

    def _button_title(self, conversation: str, payload: str) -> str:
        """The title of the button that sent `payload`: as offered in this
        conversation, else the topic's title for a topic's button (offered
        before this process started), else the payload."""
        title = self._buttons.get(conversation, {}).get(payload)
        if title:
            return title
        topic = typed_commands.topic_of(payload)
        try:
            found = _CONTENT.get().topics.get(topic) if topic else None
        except ContentError:
            found = None
        return found.title if found else payload

    def _turn(self, conversation: str) -> Message | None:
        """The conversation's latest patient message or reminder: what the
        actions and replies that follow belong to."""
        if conversation not in self._turns:
            self._turns[conversation] = (
                Message.objects.filter(pseudonyms.same_conversation(conversation))
                .exclude(sender=Message.ASSISTANT)
                .order_by("-event_id")
                .first()
            )
        return self._turns[conversation]


def follow(tracker_db: Path, every_s: float, stop) -> None:
    Follower(tracker_db).run(every_s, stop)
