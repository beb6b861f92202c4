"""Reminders by e-mail or text message: the offer after a reminder is set, the
form that takes the address and checks it with a code, and stopping. The store
keeps the contact (bot/reminders/contacts.py); the scheduler sends the reminders."""

from __future__ import annotations

import datetime as dt
import logging
import re
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import replies
from actions.reminder_store import store
from bot.content import answers
from bot.nlu import plain_text
from bot.outreach import senders
from bot.reminders import contacts

logger = logging.getLogger(__name__)

GAVE_UP = "gave_up"
GIVEN, CONFIRMED = "given", "ok"
SLOTS = ("contact_kind", "contact_address", "contact_code")
ASK = {contacts.EMAIL: "contact_ask_email", contacts.SMS: "contact_ask_phone"}
BAD = {contacts.EMAIL: "contact_bad_email", contacts.SMS: "contact_bad_phone"}
DONE = {contacts.EMAIL: "contact_confirmed_email", contacts.SMS: "contact_confirmed_text"}
NEW_CODE = {
    frozenset({contacts.EMAIL}): "contact_new_code_email",
    frozenset({contacts.SMS}): "contact_new_code_text",
    frozenset(contacts.KINDS): "contact_new_code_both",
}
# While a code is awaited: digits (and spaces, dashes) are a try at it.
CODE_ATTEMPT = re.compile(r"[\d\-.]+")
# What the code step tells the patient to write to stop (contact_code_how), in
# case the model did not read it as stopping.
ASKS_TO_STOP = re.compile(r"(?i)cancel|stop|cancelar|parar|no,? thanks?|no,? gracias")
# "Wrong address", "change the number", "me equivoqué de correo": the patient wants
# to give the address again. Asked only while a code is awaited.
ASKS_TO_CHANGE = re.compile(
    r"(?i)\b(wrong|change|another|different|mistake|typo|incorrect|not\s+mine|"
    r"equivo[cq]\w*|cambi\w*|otr[oa]|incorrect[oa]|error|mal)\b"
)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def offer(content, sender_id: str, language: str = "en") -> answers.Reply | None:
    """The offer with its buttons, once a reminder is set: only for the kinds the
    clinic has set up, and not to a patient who already gets them."""
    kinds = senders.available()
    if not kinds or contacts.active(store(), sender_id):
        return None
    reply = answers.message(content, "contact_offer", language=language)
    buttons = [
        {"title": answers.message(content, key, language=language).text, "payload": f"/{intent}"}
        for kind, key, intent in (
            (contacts.EMAIL, "contact_button_email", "contact_by_email"),
            (contacts.SMS, "contact_button_text", "contact_by_text"),
        )
        if kind in kinds
    ]
    no = answers.message(content, "contact_button_no", language=language).text
    buttons.append({"title": no, "payload": "/contact_decline"})
    return answers.Reply(text=reply.text, buttons=buttons)


def _say(dispatcher, tracker, key: str, **values: str) -> None:
    content = replies.content()
    reply = (
        answers.CONTENT_UNAVAILABLE
        if content is None
        else answers.message(
            content, key, values=values, language=replies.conversation_language(tracker)
        )
    )
    replies.send(dispatcher, tracker, [reply])


def _say_code_expired(dispatcher, tracker) -> None:
    """The code is used up; how to get a new one, by the kinds the clinic has."""
    content = replies.content()
    if content is None:
        replies.send(dispatcher, tracker, [answers.CONTENT_UNAVAILABLE])
        return
    language = replies.conversation_language(tracker)
    kinds = set(senders.available())
    how = NEW_CODE.get(frozenset(kinds))
    keys = ["contact_code_expired", *([how] if how else [])]
    texts = [answers.message(content, key, language=language).text for key in keys]
    replies.send(dispatcher, tracker, [answers.Reply(text=" ".join(texts))])


def _send_code(dispatcher, tracker: Tracker, kind: str, address: str) -> dict[str, Any]:
    """A code to this (normalised) address, unless it may not get one now."""
    content = replies.content()
    refused = contacts.code_refused(store(), tracker.sender_id, kind, address, _now())
    if refused:
        _say(dispatcher, tracker, REFUSED_CODE_MESSAGES[refused])
        return {"contact_address": GAVE_UP, "contact_code": GAVE_UP}
    reminder = store().current(tracker.sender_id)
    code = contacts.new_code()
    saved = contacts.offer(
        store(), tracker.sender_id, reminder.id if reminder else None, kind, address, code, _now()
    )
    contacts.record_code(store(), tracker.sender_id, kind, address, _now())
    try:
        senders.send_code(saved, code, content, replies.conversation_language(tracker))
    except Exception as exc:  # the sender's SendFailed, or a setting gone wrong
        # The kind of failure only: never the address or the code.
        logger.warning("Confirmation code not sent (%s)", type(exc).__name__)
        _say(dispatcher, tracker, "contact_send_failed")
        return {"contact_address": GAVE_UP, "contact_code": GAVE_UP}
    _say(dispatcher, tracker, "contact_code_sent", contact=saved.masked)
    # The tracker keeps what was typed; the slot needs no second copy.
    return {"contact_address": GIVEN}


REFUSED_CODE_MESSAGES = {
    contacts.TOO_MANY_CODES: "contact_too_many_codes",
    contacts.ADDRESS_STOPPED: "contact_address_stopped",
}


class ValidateContactForm(FormValidationAction):
    def name(self) -> str:
        return "validate_contact_form"

    async def run(self, dispatcher, tracker, domain):
        # At the form's start (nothing requested yet): with no reminder set there
        # is nothing to send, so the form ends at once instead of asking an address.
        starting = tracker.get_slot("requested_slot") is None
        if starting and store().current(tracker.sender_id) is None:
            _say(dispatcher, tracker, "contact_no_reminder")
            return [SlotSet("contact_address", GAVE_UP), SlotSet("contact_code", GAVE_UP)]
        return await super().run(dispatcher, tracker, domain)

    def validate_contact_address(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict
    ) -> dict[str, Any]:
        kind = tracker.get_slot("contact_kind")
        if replies.content() is None or kind not in senders.available():
            _say(dispatcher, tracker, "contact_unavailable")
            return {"contact_address": GAVE_UP, "contact_code": GAVE_UP}
        # The slot holds the message as typed (as the refill form's does).
        typed = plain_text.normalise(str(slot_value or ""))
        try:
            address = contacts.normalise(kind, typed)
        except ValueError:
            _say(dispatcher, tracker, BAD[kind])
            return {"contact_address": None}
        return _send_code(dispatcher, tracker, kind, address)

    def validate_contact_code(
        self, slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict
    ) -> dict[str, Any]:
        text = plain_text.normalise(str(slot_value or ""))
        typed = "".join(text.split())
        if not CODE_ATTEMPT.fullmatch(typed):
            # Not a try at the code: a corrected address, a wish to change it,
            # or something else; none of them uses up a try.
            return self._not_a_code(dispatcher, tracker, text)
        result = contacts.confirm(store(), tracker.sender_id, typed, _now())
        if result == contacts.ConfirmResult.CONFIRMED:
            confirmed = max(contacts.active(store(), tracker.sender_id), key=_confirmed_at)
            _say(dispatcher, tracker, DONE[confirmed.kind], contact=confirmed.masked)
            return {"contact_code": CONFIRMED}
        if result == contacts.ConfirmResult.WRONG:
            _say(dispatcher, tracker, "contact_code_wrong")
            return {"contact_code": None}
        _say_code_expired(dispatcher, tracker)
        return {"contact_code": GAVE_UP}

    def _not_a_code(self, dispatcher, tracker: Tracker, text: str) -> dict[str, Any]:
        kind = tracker.get_slot("contact_kind")
        waiting = contacts.waiting_for(store(), tracker.sender_id)
        kind = kind or (waiting[0].kind if waiting else None)
        if kind in senders.available() and replies.content() is not None:
            try:
                address = contacts.normalise(kind, text)
            except ValueError:
                address = None
            if address is not None:
                return {**_send_code(dispatcher, tracker, kind, address), "contact_code": None}
            if ASKS_TO_CHANGE.search(text):
                # The form asks for the address again (action_ask_contact_address).
                return {"contact_address": None, "contact_code": None}
        if ASKS_TO_STOP.fullmatch(text.strip(" .!")):
            _say(dispatcher, tracker, "contact_declined")
            return {"contact_address": GAVE_UP, "contact_code": GAVE_UP}
        if not waiting:
            _say_code_expired(dispatcher, tracker)
            return {"contact_code": GAVE_UP}
        _say(dispatcher, tracker, "contact_code_how", contact=waiting[0].masked)
        return {"contact_code": None}


def _confirmed_at(contact: contacts.Contact) -> dt.datetime:
    return contact.confirmed_at


class ActionAskContactAddress(Action):
    def name(self) -> str:
        return "action_ask_contact_address"

    def run(self, dispatcher, tracker, domain):
        kind = tracker.get_slot("contact_kind")
        if kind not in senders.available():
            # The form's validation answers and ends it at the next message.
            _say(dispatcher, tracker, "contact_unavailable")
            return [SlotSet("contact_address", GAVE_UP), SlotSet("contact_code", GAVE_UP)]
        _say(dispatcher, tracker, ASK[kind])
        return []


class ActionAskContactCode(Action):
    """The message that sent the code asked for it, and a wrong code's message
    asks again: nothing more to say."""

    def name(self) -> str:
        return "action_ask_contact_code"

    def run(self, dispatcher, tracker, domain):
        return []


class ActionContactDone(Action):
    def name(self) -> str:
        return "action_contact_done"

    def run(self, dispatcher, tracker, domain):
        return [SlotSet(slot, None) for slot in SLOTS]


class ActionContactDeclined(Action):
    def name(self) -> str:
        return "action_contact_declined"

    def run(self, dispatcher, tracker, domain):
        _say(dispatcher, tracker, "contact_declined")
        return [SlotSet(slot, None) for slot in SLOTS]


class ActionStopContact(Action):
    def name(self) -> str:
        return "action_stop_contact"

    def run(self, dispatcher, tracker, domain):
        stopped = contacts.stop(store(), sender_id=tracker.sender_id, now=_now())
        _say(dispatcher, tracker, "contact_stopped" if stopped else "contact_nothing_to_stop")
        return [SlotSet(slot, None) for slot in SLOTS]
