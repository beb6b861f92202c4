"""Safety and conversation actions: urgent symptoms, medical advice, a person,
not understood, welcome and out of scope. Texts come from content/."""

from __future__ import annotations

from abc import abstractmethod
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import replies
from bot import intents
from bot.content import answers, languages, urgent
from bot.content.answers import Reply
from bot.content.languages import UNKNOWN_LANGUAGE_REPLY
from bot.intents import RETRIEVAL_INTENT, topic_from_response_key
from bot.nlu import input_flags
from bot.nlu.symptom_questions import SYMPTOM_QUESTION

FOLLOW_UP_SLOT = "staff_follow_up"
# Closest topics offered when the assistant is not sure.
CLOSEST_TOPICS = 3
MIN_TOPIC_CONFIDENCE = 0.05
INPUT_FLAG_MESSAGES = (
    (input_flags.EMPTY, "empty_message"),
    (input_flags.NO_WORDS, "no_words"),
    (input_flags.NUMBERS_ONLY, "numbers_only"),
    (input_flags.OTHER_LANGUAGE, "other_language"),
    (input_flags.TOO_LONG, "too_long"),
)


def mark_for_follow_up(tracker: Tracker, reason: str) -> SlotSet:
    reasons = list(tracker.get_slot(FOLLOW_UP_SLOT) or [])
    return SlotSet(FOLLOW_UP_SLOT, reasons if reason in reasons else [*reasons, reason])


class ActionUrgentGuidance(Action):
    def name(self) -> str:
        return "action_urgent_guidance"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        content = replies.content()
        symptom_ids = list(tracker.get_latest_entity_values("red_flag"))
        # The message's own language first: "fiebre" in an English conversation.
        language = replies.language_of(tracker) or replies.conversation_language(tracker)
        if content is None or content.red_flags is None:
            texts = [answers.CONTENT_UNAVAILABLE.text]
        else:
            texts = urgent.guidance(content, symptom_ids, language or languages.ENGLISH)
        sent = [Reply(text, urgent=True) for text in texts]
        # A question about a symptom: its topic's answer follows the urgent line.
        asked = tracker.latest_message.get(SYMPTOM_QUESTION) or {}
        topic = content.topics.get(asked.get("topic") or "") if content else None
        if topic is not None:
            sent += answers.answer_in(content, topic, replies.conversation_language(tracker))
        replies.send(dispatcher, tracker, sent, urgent=True)
        return [mark_for_follow_up(tracker, intents.URGENT), *replies.remember_language(tracker)]


class _MessageAction(Action):
    """Sends one message from content/messages.yml. Abstract, so that rasa-sdk
    does not register it as an action of its own."""

    key = ""
    with_welcome = True

    @abstractmethod
    def name(self) -> str: ...

    def reply(self, tracker: Tracker, content) -> Reply:
        return answers.message(content, self.key, language=replies.conversation_language(tracker))

    def events(self, tracker: Tracker) -> list[dict[str, Any]]:
        return []

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        content = replies.content()
        reply = answers.CONTENT_UNAVAILABLE if content is None else self.reply(tracker, content)
        replies.send(dispatcher, tracker, [reply], with_welcome=self.with_welcome)
        return [*self.events(tracker), *replies.remember_language(tracker)]


class ActionMedicalAdvice(_MessageAction):
    key = "medical_advice"

    def name(self) -> str:
        return "action_medical_advice"


class ActionHandoff(_MessageAction):
    key = "handoff"

    def name(self) -> str:
        return "action_handoff"

    def events(self, tracker: Tracker) -> list[dict[str, Any]]:
        return [mark_for_follow_up(tracker, "asked_for_person")]


class ActionOutOfScope(_MessageAction):
    key = "out_of_scope"

    def name(self) -> str:
        return "action_out_of_scope"


class ActionWelcome(_MessageAction):
    key = "welcome"
    with_welcome = False

    def name(self) -> str:
        return "action_welcome"


class ActionNotSure(_MessageAction):
    def name(self) -> str:
        return "action_not_sure"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        content = replies.content()
        flags = tracker.latest_message.get("input_flags") or []
        if content is None or input_flags.OTHER_LANGUAGE not in flags:
            return super().run(dispatcher, tracker, domain)
        # A language the assistant does not answer in: the numbers and 911 in
        # that language where we have the words, else in English and Spanish.
        language = replies.language_of(tracker)
        message = content.messages["other_language"]
        chosen = (language,) if language in message.translations else UNKNOWN_LANGUAGE_REPLY
        sent = [answers.message(content, "other_language", language=code) for code in chosen]
        replies.send(dispatcher, tracker, sent, with_welcome=False)
        return []

    def reply(self, tracker: Tracker, content) -> Reply:
        flags = tracker.latest_message.get("input_flags") or []
        language = replies.conversation_language(tracker)
        for flag, key in INPUT_FLAG_MESSAGES:
            if flag in flags:
                return answers.message(content, key, language=language)
        ranking = (
            tracker.latest_message.get("response_selector", {})
            .get(RETRIEVAL_INTENT, {})
            .get("ranking", [])
        )
        closest = [
            content.topics[t]
            for item in ranking
            if item.get("confidence", 0) >= MIN_TOPIC_CONFIDENCE
            and (t := topic_from_response_key(item.get("intent_response_key"))) in content.topics
        ][:CLOSEST_TOPICS]
        if not closest:
            return answers.message(content, "not_sure_no_topics", language=language)
        return answers.message(content, "not_sure", extra_buttons=closest, language=language)
