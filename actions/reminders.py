"""Refill reminders: the form that asks for the date, and setting, showing,
changing, stopping and delivering reminders. Dates are the clinic's (time zone
from content/clinic.yml); texts come from content/messages.yml."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from zoneinfo import ZoneInfo

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import contacts, replies
from actions.reminder_store import store
from bot.content import answers
from bot.nlu import plain_text
from bot.reminders import dates, external, ics, rules
from bot.reminders.store import DELIVERING

GAVE_UP = "gave_up"
MAX_ATTEMPTS = 3

_REFILL_WORDS = re.compile(
    r"\b(?:my\s+)?(?:next|last|previous)\s+(?:pump\s+)?(?:refill|fill|appointment|visit)s?"
    r"(?:\s+(?:date|appointment|visit))?\b"
)
_FILLER = re.compile(r"\b(?:i think|it's|it is|its|is|was|will be|scheduled for|on|at)\b")
_LAST = re.compile(
    r"\b(?:last|previous|was|had|ultimo|ultima|anterior|pasado|pasada|fue|llenaron|tuve)\b"
)


def now() -> dt.datetime:
    """The one clock of the reminder actions (tests set it)."""
    return dt.datetime.now(dt.timezone.utc)


def clinic_today(content) -> dt.date:
    return now().astimezone(ZoneInfo(content.clinic["timezone"])).date()


def date_part(text: str) -> str:
    """ "my last refill was Nov 20" -> "nov 20"."""
    text = _FILLER.sub(" ", _REFILL_WORDS.sub(" ", text.lower()))
    return " ".join(text.split())


def next_refill_from(text: str, today: dt.date, interval_days: int) -> tuple[dt.date | None, str]:
    """The next refill date the patient means, or None and the message key that
    explains what was wrong."""
    # The slot holds the message as typed (Rasa keeps the original text), so
    # fullwidth or odd-space spellings of "last refill" are folded here.
    text = plain_text.normalise(text)
    try:
        day = dates.parse(date_part(text), today)
    except dates.DateTooFarAhead:
        return None, "reminder_date_too_far"
    except dates.DateNotUnderstood:
        return None, "reminder_date_not_understood"
    if _LAST.search(plain_text.fold_accents(text.lower())):
        if day > today:
            return None, "reminder_date_not_understood"
        # The first whole refill cycle after today: a refill due today is one
        # the patient is already at, too late to remind of.
        cycles = (today - day).days // interval_days + 1
        day += dt.timedelta(days=cycles * interval_days)
    try:
        return rules.refill_date(day, today), ""
    except rules.RefusedDate as refused:
        return None, refused.reason


class ValidateRefillForm(FormValidationAction):
    def name(self) -> str:
        return "validate_refill_form"

    def validate_refill_date(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict
    ) -> dict[str, Any]:
        content = replies.content()
        if content is None:
            dispatcher.utter_message(text=answers.CONTENT_UNAVAILABLE.text)
            return {"refill_date": GAVE_UP}
        day, problem = next_refill_from(
            str(slot_value or ""), clinic_today(content), content.clinic["refill_interval_days"]
        )
        if day is not None:
            return {"refill_date": day.isoformat(), "refill_date_attempts": None}
        attempts = int(tracker.get_slot("refill_date_attempts") or 0) + 1
        language = replies.conversation_language(tracker)
        if attempts >= MAX_ATTEMPTS:
            reply = answers.message(content, "reminder_give_up", language=language)
            dispatcher.utter_message(text=reply.text)
            return {"refill_date": GAVE_UP, "refill_date_attempts": None}
        dispatcher.utter_message(text=answers.message(content, problem, language=language).text)
        return {"refill_date": None, "refill_date_attempts": attempts}


class ActionAskRefillDate(Action):
    def name(self) -> str:
        return "action_ask_refill_date"

    def run(self, dispatcher, tracker, domain):
        if tracker.get_slot("refill_date_attempts"):
            return []  # the validation message just asked again, with the reason
        content = replies.content()
        reply = (
            answers.CONTENT_UNAVAILABLE
            if content is None
            else answers.message(
                content, "reminder_ask_date", language=replies.conversation_language(tracker)
            )
        )
        replies.send(dispatcher, tracker, [reply])
        return replies.remember_language(tracker)


class ActionSetReminder(Action):
    def name(self) -> str:
        return "action_set_reminder"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        reset = [SlotSet("refill_date", None), SlotSet("refill_date_attempts", None)]
        value = tracker.get_slot("refill_date")
        content = replies.content()
        if not value or value == GAVE_UP or content is None:
            return reset
        clinic = content.clinic
        language = replies.conversation_language(tracker)
        try:
            # The slot as sent, checked again: validated before midnight and set
            # after it, or not validated at all by whoever sent it.
            reminder = rules.set_reminder(
                store(), tracker.sender_id, value, clinic, now(), language
            )
        except rules.RefusedDate as refused:
            why = answers.message(content, refused.reason, language=language)
            replies.send(dispatcher, tracker, [why])
            return reset
        refill = reminder.refill_date
        cycle = dates.every(refill, clinic["refill_interval_days"], clinic["calendar_refills"])
        reply = answers.message(
            content,
            "reminder_confirm",
            values={
                "refill_date": dates.describe(refill, language),
                "remind_at": dates.describe_time(reminder.remind_at, clinic["timezone"], language),
                "next_dates": ", ".join(dates.short(d, language) for d in cycle[1:]) or "-",
            },
            language=language,
        )
        replies.send(dispatcher, tracker, [reply])
        replies.send_custom(
            dispatcher, tracker, calendar_file(content, refill, tracker.sender_id, language)
        )
        if more := contacts.offer(content, tracker.sender_id, language):
            replies.send(dispatcher, tracker, [more])
        return [*reset, *replies.remember_language(tracker)]


def calendar_file(content, refill: dt.date, sender_id: str, language: str) -> dict:
    """The refill dates as a calendar file the chat offers to save."""
    return {
        "type": "calendar",
        "filename": "pump-refills.ics",
        "mime_type": "text/calendar",
        "label": answers.message(content, "calendar_link", language=language).text,
        "content": ics.for_refill(content, refill, sender_id, language),
    }


class ActionNextRefill(Action):
    def name(self) -> str:
        return "action_next_refill"

    def run(self, dispatcher, tracker, domain):
        content = replies.content()
        if content is None:
            replies.send(dispatcher, tracker, [answers.CONTENT_UNAVAILABLE])
            return []
        reminder = store().current(tracker.sender_id)
        language = replies.conversation_language(tracker)
        if reminder is None:
            reply = answers.message(content, "reminder_none", language=language)
        else:
            reply = answers.message(
                content,
                "reminder_next",
                values={
                    "refill_date": dates.describe(reminder.refill_date, language),
                    "remind_at": dates.describe_time(
                        reminder.remind_at, content.clinic["timezone"], language
                    ),
                },
                language=language,
            )
        replies.send(dispatcher, tracker, [reply])
        return replies.remember_language(tracker)


class ActionCancelReminders(Action):
    def name(self) -> str:
        return "action_cancel_reminders"

    def run(self, dispatcher, tracker, domain):
        content = replies.content()
        stopped = store().cancel(tracker.sender_id)
        if content is not None:
            key = "reminder_cancelled" if stopped else "reminder_nothing_to_cancel"
            language = replies.conversation_language(tracker)
            replies.send(dispatcher, tracker, [answers.message(content, key, language=language)])
        return [SlotSet("refill_date", None), SlotSet("refill_date_attempts", None)]


class ActionRefillReminder(Action):
    """Answers EXTERNAL_refill_due, which the reminder scheduler (bot/reminders/scheduler.py)
    triggers with the reminder's id. Everything else comes from the store, so a
    new session or an empty slot cannot lose the reminder."""

    def name(self) -> str:
        return "action_refill_reminder"

    def run(self, dispatcher, tracker, domain):
        latest = tracker.latest_message or {}
        reminder_id = external.reminder_id(
            {"event": "user", "text": latest.get("text"), "parse_data": latest}
        )
        reminder = store().find(reminder_id) if reminder_id is not None else None
        # Only the scheduler's own claim is answered: not a typed imitation, not
        # another conversation's reminder, not a reminder cancelled meanwhile.
        if (
            reminder is None
            or reminder.sender_id != tracker.sender_id
            or reminder.status != DELIVERING
        ):
            return []
        # An earlier attempt whose answer the scheduler never got: sent already.
        if external.delivered_in(tracker.events, reminder.id):
            return []
        content = replies.content()
        if content is None:
            return []  # no message, so the scheduler retries later
        # In the conversation's language: the slot keeps it between sessions.
        language = replies.conversation_language(tracker)
        reply = answers.message(
            content,
            "reminder_due",
            values={"refill_date": dates.describe(reminder.refill_date, language)},
            language=language,
        )
        dispatcher.utter_message(text=reply.text)
        return []
