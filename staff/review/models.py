"""The review log: what patients asked and what the assistant did, masked, built
from Rasa's tracker store by the log follower (staff/review/follower.py)."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Outcome(models.TextChoices):
    URGENT = "urgent", "urgent guidance"
    HANDOFF = "handoff", "asked for a person"
    NOT_UNDERSTOOD = "not_understood", "not sure"
    MEDICAL_ADVICE = "medical_advice", "medical advice refused"
    ANSWERED = "answered", "answered"
    REMINDER = "reminder", "reminder action"
    TROUBLE = "trouble", "trouble message"
    OUT_OF_SCOPE = "out_of_scope", "out of scope"
    OTHER = "other", "other"
    PENDING = "pending", "waiting for the reply"


# The inbox shows these first, in this order; everything else after.
FIRST = (Outcome.URGENT, Outcome.HANDOFF, Outcome.NOT_UNDERSTOOD, Outcome.TROUBLE)
PRIORITY = {outcome: rank for rank, outcome in enumerate(FIRST)}
LAST = len(FIRST)


class Status(models.TextChoices):
    NEW = "new", "new"
    REVIEWED = "reviewed", "reviewed"
    FOLLOW_UP = "follow_up", "follow-up"


class Message(models.Model):
    """One patient message, or one reply of the assistant (for the conversation view)."""

    PATIENT, ASSISTANT, SYSTEM = "patient", "assistant", "system"  # system: a reminder

    event_id = models.BigIntegerField(unique=True)  # the row in Rasa's events table
    time = models.DateTimeField(db_index=True)
    conversation = models.CharField(max_length=32, db_index=True)  # a pseudonym
    sender = models.CharField(max_length=9, choices=[(s, s) for s in (PATIENT, ASSISTANT, SYSTEM)])
    text = models.TextField()  # masked
    intent = models.CharField(max_length=100, blank=True)
    topic = models.CharField(max_length=100, blank=True)
    confidence = models.FloatField(null=True)
    # The language the patient wrote in (bot/content/languages.py), "" when the
    # assistant could not tell.
    language = models.CharField(max_length=8, blank=True, default="", db_index=True)
    outcome = models.CharField(
        max_length=16, choices=Outcome.choices, default=Outcome.PENDING, db_index=True
    )
    priority = models.PositiveSmallIntegerField(default=LAST, db_index=True)
    content_version = models.CharField(max_length=16, blank=True)
    # A nurse's mark: the assistant's reply to this message was wrong.
    wrong_answer = models.BooleanField(default=False)
    # The topic a nurse said the question belonged to (added to its examples).
    corrected_topic = models.CharField(max_length=100, blank=True)
    # Rasa's id of the patient's message, which the trouble-message record names.
    message_id = models.CharField(max_length=40, blank=True, db_index=True)

    @property
    def language_name(self) -> str:
        """The language's name in itself ("Español"), "" when not known."""
        from bot.content import languages

        return languages.NAMES.get(self.language, "")

    class Meta:
        ordering = ["priority", "-time", "-id"]

    def set_outcome(self, outcome: str) -> None:
        """The strongest outcome wins: urgent guidance before an answer that followed it."""
        rank = PRIORITY.get(outcome, LAST)
        if (
            self.outcome == Outcome.PENDING
            or rank < self.priority
            or (rank == self.priority == LAST and self.outcome == Outcome.OTHER)
        ):
            self.outcome, self.priority = outcome, rank

    def __str__(self) -> str:
        return f"{self.time:%Y-%m-%d %H:%M} {self.conversation} {self.sender}"


class Conversation(models.Model):
    """One chat as nurses review it: its status, who has it and its notes, with
    what the inbox sorts and shows by, kept from its patient messages by
    staff/review/conversations.py."""

    name = models.CharField(max_length=32, unique=True)  # the messages' pseudonym
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.NEW, db_index=True
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    # The most serious outcome of its patient messages, and the newest message
    # with it (the row's text and link).
    outcome = models.CharField(max_length=16, choices=Outcome.choices, default=Outcome.PENDING)
    priority = models.PositiveSmallIntegerField(default=LAST)
    lead = models.ForeignKey(
        Message, null=True, blank=True, related_name="+", on_delete=models.SET_NULL
    )
    last_time = models.DateTimeField()  # of its newest patient message
    count = models.PositiveIntegerField(default=0)  # patient messages

    class Meta:
        ordering = ["priority", "-last_time", "-id"]
        indexes = [models.Index(fields=["priority", "-last_time", "-id"], name="inbox_order")]

    def __str__(self) -> str:
        return self.name


class Note(models.Model):
    conversation = models.ForeignKey(Conversation, related_name="notes", on_delete=models.CASCADE)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    time = models.DateTimeField(auto_now_add=True)
    text = models.TextField()

    class Meta:
        ordering = ["time", "id"]


class PendingTrouble(models.Model):
    """A trouble message whose patient message Rasa has not saved yet (it saves
    when it has finished), or never will (it stopped first)."""

    trouble_id = models.BigIntegerField(unique=True)
    message_id = models.CharField(max_length=40, db_index=True)
    conversation = models.CharField(max_length=32)
    time = models.DateTimeField()


class Position(models.Model):
    """How far the follower has read Rasa's events table. Saved in the same
    transaction as the rows it wrote, so a crash never skips or repeats an event."""

    source = models.CharField(max_length=40, primary_key=True)
    last_event_id = models.BigIntegerField(default=0)
