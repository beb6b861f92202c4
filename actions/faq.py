"""Answer FAQ topics from content/ at run time, so staff edits are live."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import replies
from bot.content import answers
from bot.intents import ANSWER_LEAD, FALSE_BELIEF, RETRIEVAL_INTENT, topic_from_response_key


def _marked(tracker: Tracker, key: str, topic_id: str) -> dict:
    """What the model marked in the question for this topic (the answer's
    closest sentence, a false belief), if the model chose it (not a button)."""
    if next(tracker.get_latest_entity_values("topic"), None):
        return {}
    marked = tracker.latest_message.get(key) or {}
    return marked if marked.get("topic") == topic_id else {}


def lead_sentence(tracker: Tracker, topic_id: str) -> str | None:
    return _marked(tracker, ANSWER_LEAD, topic_id).get("sentence")


def false_belief(tracker: Tracker, topic_id: str) -> int | None:
    """The number of the topic's false belief the question carries, if any."""
    number = _marked(tracker, FALSE_BELIEF, topic_id).get("belief")
    return number if isinstance(number, int) else None


def chosen_topic(tracker: Tracker) -> str | None:
    """A topic picked with a button (entity) wins over the model's guess."""
    entity = next(tracker.get_latest_entity_values("topic"), None)
    if entity:
        return str(entity)
    selector = tracker.latest_message.get("response_selector", {}).get(RETRIEVAL_INTENT, {})
    key = selector.get("response", {}).get("intent_response_key")
    return topic_from_response_key(key)


class ActionAnswerFaq(Action):
    def name(self) -> str:
        return "action_answer_faq"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        content = replies.content()
        language = replies.conversation_language(tracker)
        topic = None
        if content is None:
            sent = [answers.CONTENT_UNAVAILABLE]
        else:
            topic = content.topics.get(chosen_topic(tracker) or "")
            sent = (
                answers.answer_in(
                    content,
                    topic,
                    language,
                    lead=lead_sentence(tracker, topic.id),
                    belief=false_belief(tracker, topic.id),
                )
                if topic
                else [answers.unknown_topic(content, language)]
            )
        # The review log's outcome: answered only if a topic's answer was sent.
        replies.send(dispatcher, tracker, sent, answered=topic.id if topic else "")
        return replies.remember_language(tracker)
