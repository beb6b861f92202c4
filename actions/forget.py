""" "End chat and forget this device": the widget asks the assistant first, so a
refill reminder is never left where nothing can reach the patient. With no
reminder the device forgets at once; with one, the patient chooses: keep it by
e-mail or text (when they get those), stop it, or keep the chat."""

from __future__ import annotations

import datetime as dt

from rasa_sdk import Action

from actions import replies
from actions.reminder_store import store
from actions.reminders import calendar_file
from bot.content import answers
from bot.reminders import contacts, dates

# The widget's hidden payload, and the three buttons of the question.
FORGET, KEEP, STOP, BACK = (
    "forget_device", "forget_keep_reminders", "forget_stop_reminders", "keep_chat"
)  # fmt: skip
BUTTONS = {KEEP: "forget_button_keep", STOP: "forget_button_stop", BACK: "forget_button_back"}
CHANNEL_WORDS = {contacts.EMAIL: "forget_channel_email", contacts.SMS: "forget_channel_text"}
# What tells the widget to forget the chat now (web/widget/haip-chat.js).
FORGET_NOW = "forget_device"


class ActionForgetDevice(Action):
    def name(self) -> str:
        return "action_forget_device"

    def run(self, dispatcher, tracker, domain):
        content = replies.content()
        if content is None:
            # Nothing can be asked: the chat stays, and says it has trouble.
            replies.send(dispatcher, tracker, [answers.CONTENT_UNAVAILABLE])
            return []
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        language = replies.conversation_language(tracker)
        sender = tracker.sender_id
        reminder = store().current(sender)
        active = contacts.active(store(), sender)

        def say(key: str, **values: str) -> answers.Reply:
            return answers.message(content, key, values=values, language=language)

        channels = " / ".join(
            say(CHANNEL_WORDS[kind]).text for kind in sorted({c.kind for c in active})
        )
        if intent == BACK:
            replies.send(dispatcher, tracker, [say("forget_not_done")])
            return []
        if intent == STOP:
            store().cancel(sender)
            contacts.stop(store(), sender_id=sender, now=dt.datetime.now(dt.timezone.utc))
            return self._forget(dispatcher, tracker, say("forget_stopped").text)
        if reminder is None:
            return self._forget(dispatcher, tracker, "")
        if intent == KEEP and active:
            return self._forget(dispatcher, tracker, say("forget_kept", channels=channels).text)
        day = dates.describe(reminder.refill_date, language)
        if active:
            ask = say("forget_ask_with_contacts", refill_date=day, channels=channels)
            choices = (KEEP, STOP, BACK)
        else:
            ask = say("forget_ask", refill_date=day)
            choices = (STOP, BACK)
        buttons = [{"title": say(BUTTONS[c]).text, "payload": f"/{c}"} for c in choices]
        replies.send(dispatcher, tracker, [answers.Reply(text=ask.text, buttons=buttons)])
        if not active:
            # What the question asks them to save.
            replies.send_custom(
                dispatcher, tracker, calendar_file(content, reminder.refill_date, sender, language)
            )
        return []

    @staticmethod
    def _forget(dispatcher, tracker, said: str) -> list:
        # A form the patient was in ends by the rules (data/rules/reminders.yml).
        replies.send_custom(dispatcher, tracker, {"type": FORGET_NOW, "text": said})
        return []
