"""Deliver refill reminders when they are due, exactly once.

Rasa's own reminders live in the server's memory and are lost on restart, so the
SQLite store is the source of truth and this scheduler checks it every few
seconds. A due reminder is claimed (pending -> delivering, with an attempt in
the outbox), then delivered as Rasa's reminderbot example does: the scheduler
triggers the external intent EXTERNAL_refill_due with the reminder's id, a rule
runs action_refill_reminder, and the action reads the reminder from the store.
A new session, an empty slot or a restarted Rasa cannot lose it.

A reminder counts as sent only when its message is in the patient's
conversation (the tracker after the trigger says so). Otherwise the attempt is
an error, retried with back-off up to a limit, then marked failed for staff.
Before a retry the conversation is read first, and the action itself sends
nothing for a reminder already answered, so an attempt whose reply was lost
(a timeout, a crash) never makes a second message.

Reminders that fell due while the servers were down: delivered at start when the
refill date is today or later (still useful), marked missed when it has passed
(a reminder for a visit that is over would only confuse).

Reminders by e-mail and text message (outbox.py): when a reminder falls due,
one send is queued for each confirmed contact of the patient, before the chat
delivery, so they go out even while Rasa is down; a visit already passed gets
none. The sends are then delivered by the ChannelSender of their kind, with the
same retry policy; text messages wait out the clinic's quiet hours.

One scheduler per store: it holds an exclusive lock on a file beside the store,
so a claim it finds at its start was left by a process that died.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import logging
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol
from zoneinfo import ZoneInfo

from bot import settings
from bot.rasa_api import RasaAPI, RasaUnreachable
from bot.reminders import contacts, external, outbox, rules
from bot.reminders.contacts import Contact
from bot.reminders.outbox import Send
from bot.reminders.store import CANCELLED, UNREACHABLE, Reminder, ReminderStore

logger = logging.getLogger(__name__)


class Conversations(Protocol):
    """The patients' conversations, as the scheduler needs them."""

    def events(self, sender_id: str) -> list[dict]: ...

    def trigger_reminder(self, sender_id: str, reminder_id: int) -> list[dict]:
        """Runs the reminder in the conversation; the events afterwards."""


class RasaConversations:
    def __init__(self, api: RasaAPI):
        self.api = api

    def events(self, sender_id: str) -> list[dict]:
        return self.api.tracker(sender_id).get("events") or []

    def trigger_reminder(self, sender_id: str, reminder_id: int) -> list[dict]:
        tracker = self.api.trigger_intent(
            sender_id, external.INTENT, {external.ENTITY: reminder_id}
        )
        return tracker.get("events") or []


class ChannelSender(Protocol):
    """Sends reminders of one kind ('email', 'sms'): bot/outreach wrapped, or a
    stand-in in tests. Failures are told by the exception's class name (see
    _failure), so this module need not import the providers' code."""

    kind: str

    def send(self, contact: Contact, reminder: Reminder, send: Send) -> str | None:
        """Hands the reminder to the provider; the provider's id for it."""

    def already_sent(self, contact: Contact, send: Send) -> bool:
        """Did an earlier attempt of this send reach the provider? (False when
        the provider cannot tell, as for e-mail.)"""


@dataclass(frozen=True)
class RetryPolicy:
    """Back-off between failed attempts: first_s, doubling, at most max_s; after
    max_attempts the reminder is failed. The defaults keep trying for about
    75 minutes. Attempts that found Rasa unreachable (down, restarting) do not
    count: they are retried every outage_s, so a reminder goes out soon after
    Rasa is back, however long it was away."""

    first_s: float
    max_s: float = 900
    max_attempts: int = 10
    # While Rasa cannot be reached at all, try again this often.
    outage_s: float = 10

    @classmethod
    def from_env(cls) -> RetryPolicy:
        return cls(first_s=settings.seconds("HAIP_REMINDER_RETRY_SECONDS"))

    def retry_at(self, failures: int, now: dt.datetime) -> dt.datetime | None:
        if failures >= self.max_attempts:
            return None
        delay = min(self.first_s * 2 ** (failures - 1), self.max_s)
        return now + dt.timedelta(seconds=delay)


class NotDelivered(Exception):
    pass


def _short(exc: Exception) -> str:
    """The error's type and short text only: never a URL (token) or message text."""
    return f"{type(exc).__name__}: {exc}"[:200]


_EMAILS = re.compile(r"[^\s@<>\"']+@[^\s@<>\"']+")
_NUMBERS = re.compile(r"\+?\d[\d\s().-]{6,}\d")


def _short_for(exc: Exception, contact: Contact) -> str:
    """_short without the patient's address, nor any other address or phone
    number a provider may quote in its error text."""
    text = f"{type(exc).__name__}: {exc}".replace(contact.address, "[address]")
    text = _EMAILS.sub("[address]", text)
    return _NUMBERS.sub("[number]", text)[:200]


def _failure(exc: Exception) -> str:
    """'unsubscribed', 'permanent' or 'temporary', by the names bot/outreach
    gives its exceptions (Unsubscribed < PermanentFailure < SendFailed). Any
    other error (a timeout, a bug) is temporary: retried, and checked first."""
    names = {cls.__name__ for cls in type(exc).__mro__}
    if "Unsubscribed" in names:
        return "unsubscribed"
    if "PermanentFailure" in names:
        return "permanent"
    return "temporary"


class ReminderScheduler:
    def __init__(
        self,
        store: ReminderStore,
        clinic: Callable[[], dict],
        conversations: Conversations,
        retry: RetryPolicy | None = None,
        senders: dict[str, ChannelSender] | None = None,
    ):
        self.store = store
        self.clinic = clinic
        self.conversations = conversations
        self.retry = retry or RetryPolicy.from_env()
        # By kind; sends of a kind with no sender wait (pending) until one is set.
        self.senders = dict(senders or {})
        self._warned_kinds: set[str] = set()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock_file = None

    def _deliver(self, reminder: Reminder, attempt: int) -> None:
        """Raises NotDelivered unless the reminder's message is in the conversation."""
        if attempt > 1 and external.delivered_in(
            self.conversations.events(reminder.sender_id), reminder.id
        ):
            return  # an earlier attempt got through; its answer was lost
        events = self.conversations.trigger_reminder(reminder.sender_id, reminder.id)
        if not external.delivered_in(events, reminder.id):
            raise NotDelivered("no reminder message in the conversation")

    def tick(self, now: dt.datetime | None = None) -> dict[str, int]:
        """Handle every due reminder once; return how many were sent, missed,
        retried later and failed in the chat, then the same for e-mail and text
        messages (channel_sent, channel_retry, channel_failed), and how many of
        those wait for quiet hours to end (channel_held) or were stopped
        (channel_stopped)."""
        now = now or dt.datetime.now(dt.timezone.utc)
        clinic = self.clinic()
        today = now.astimezone(ZoneInfo(clinic["timezone"])).date()
        counts = {"sent": 0, "missed": 0, "retry": 0, "failed": 0}
        due = self.store.due(now)
        # Queued before the chat delivery, which may stop at an unreachable Rasa.
        for reminder in due:
            if reminder.refill_date >= today:
                outbox.queue(self.store, reminder, now)
        for reminder in due:
            following = rules.following(reminder, clinic)
            if reminder.refill_date < today:
                if self.store.missed(reminder, following):
                    logger.warning(
                        "Reminder %s missed: its refill date passed before it could go out",
                        reminder.id,
                    )
                    counts["missed"] += 1
                continue
            attempt = self.store.claim(reminder.id)
            if attempt is None:
                continue
            try:
                self._deliver(reminder, attempt)
            except RasaUnreachable as exc:
                # Rasa is down or restarting: not this reminder's failure, so it
                # spends none of its retries; the others wait for Rasa too.
                retry_at = now + dt.timedelta(seconds=self.retry.outage_s)
                self.store.attempt_failed(
                    reminder, attempt, _short(exc), retry_at, following, outcome=UNREACHABLE
                )
                logger.warning("Rasa cannot be reached; reminders wait for it (%s)", _short(exc))
                counts["retry"] += 1
                break
            except Exception as exc:
                failures = self.store.failures(reminder.id) + 1
                retry_at = self.retry.retry_at(failures, now)
                self.store.attempt_failed(reminder, attempt, _short(exc), retry_at, following)
                if retry_at is None:
                    logger.error(
                        "Reminder %s failed after %d attempts (%s); staff will see it",
                        reminder.id,
                        failures,
                        _short(exc),
                    )
                    counts["failed"] += 1
                else:
                    logger.warning(
                        "Reminder %s attempt %d not delivered (%s); retry at %s",
                        reminder.id,
                        attempt,
                        _short(exc),
                        retry_at.isoformat(timespec="seconds"),
                    )
                    counts["retry"] += 1
                continue
            if self.store.delivered(reminder, attempt, following):
                counts["sent"] += 1
        counts.update(self._send_channels(now, clinic, today))
        return counts

    # -- e-mail and text messages -----------------------------------------------

    def _send_channels(self, now: dt.datetime, clinic: dict, today: dt.date) -> dict[str, int]:
        counts = dict.fromkeys(
            ("channel_sent", "channel_retry", "channel_failed", "channel_held", "channel_stopped"),
            0,
        )
        for send in outbox.due(self.store, now):
            try:
                outcome = self._send_one(send, now, clinic, today)
            except Exception:
                # One broken send must not hold back the others.
                logger.exception("Send %s failed unexpectedly", send.id)
                continue
            if outcome:
                counts[f"channel_{outcome}"] += 1
        return counts

    def _send_one(self, send: Send, now: dt.datetime, clinic: dict, today: dt.date) -> str | None:
        """Deliver one due send; what became of it (a counts key), or None."""
        contact = contacts.get(self.store, send.contact_id)
        reminder = self.store.find(send.reminder_id)
        if contact is None or not contact.active:
            outbox.give_up(self.store, send.id, outbox.STOPPED, "contact stopped", now)
            return "stopped"
        if reminder is None or reminder.status == CANCELLED:
            outbox.give_up(self.store, send.id, outbox.STOPPED, "reminder cancelled", now)
            return "stopped"
        if reminder.refill_date < today:
            # As in the chat: a reminder for a visit that is over would confuse.
            outbox.give_up(
                self.store, send.id, outbox.FAILED, "the refill date passed before it went", now
            )
            return "failed"
        sender = self.senders.get(send.kind)
        if sender is None:
            if send.kind not in self._warned_kinds:
                self._warned_kinds.add(send.kind)
                logger.warning("No sender for %s reminders is set up; they wait", send.kind)
            return None
        if send.kind == contacts.SMS and (until := outbox.quiet_until(now, clinic)):
            outbox.hold(self.store, send.id, until, now)
            return "held"
        claimed = outbox.claim(self.store, send.id, now)
        if claimed is None:
            return None
        try:
            # An earlier attempt may have gone out (its answer lost, or the
            # process killed mid-send): ask before sending again.
            if claimed.attempts > 1 and sender.already_sent(contact, claimed):
                provider_id = claimed.provider_id
            else:
                provider_id = sender.send(contact, reminder, claimed)
        except Exception as exc:
            return self._send_failed(claimed, contact, exc, now)
        outbox.sent(self.store, claimed.id, provider_id, now)
        return "sent"

    def _send_failed(self, send: Send, contact: Contact, exc: Exception, now: dt.datetime) -> str:
        error = _short_for(exc, contact)
        failure = _failure(exc)
        if failure == "unsubscribed":
            outbox.unsubscribed(self.store, send.id, error, now)
            logger.warning(
                "Send %s: the patient unsubscribed; contact %s stopped", send.id, contact.id
            )
            return "stopped"
        retry_at = None if failure == "permanent" else self.retry.retry_at(send.attempts, now)
        outbox.attempt_failed(self.store, send.id, error, retry_at, now)
        if retry_at is None:
            logger.error(
                "Send %s (%s) failed after %d attempt(s) (%s); staff will see it",
                send.id,
                send.kind,
                send.attempts,
                error,
            )
            return "failed"
        logger.warning(
            "Send %s (%s) attempt %d failed (%s); retry at %s",
            send.id,
            send.kind,
            send.attempts,
            error,
            retry_at.isoformat(timespec="seconds"),
        )
        return "retry"

    def recover_interrupted(self) -> None:
        """At start: claims left by a process that died go back to pending."""
        if interrupted := self.store.recover_interrupted():
            logger.warning(
                "Recovered %d reminder(s) whose delivery was interrupted", len(interrupted)
            )
        if sends := outbox.recover_interrupted(self.store, dt.datetime.now(dt.timezone.utc)):
            logger.warning("Recovered %d send(s) interrupted while sending", len(sends))

    def _hold_lock(self) -> None:
        """One scheduler per store; a second one waits here until the first is gone."""
        path = Path(f"{self.store.path}.scheduler-lock")
        self._lock_file = open(path, "w")  # noqa: SIM115 - held for the process's life
        try:
            fcntl.flock(self._lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            logger.warning("Another reminder scheduler uses %s; waiting for it", path.name)
            while not self._stop.is_set():
                try:
                    fcntl.flock(self._lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    return
                except BlockingIOError:
                    self._stop.wait(1)

    def start(self, every_s: float) -> None:
        def loop() -> None:
            self._hold_lock()
            if self._stop.is_set():
                return
            self.recover_interrupted()
            while not self._stop.is_set():
                try:
                    self.tick()
                except Exception:
                    logger.exception("Reminder check failed")
                self._stop.wait(every_s)

        self._thread = threading.Thread(target=loop, name="reminders", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=35)
        if self._lock_file:
            self._lock_file.close()
