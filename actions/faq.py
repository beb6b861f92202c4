"""Answer FAQ topics from content/ at run time, so staff edits are live."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import replies
from bot.content import answers
from bot.intents import ANSWER_LEAD, FALSE_BELIEF, RETRIEVAL_INTENT, topic_from_response_key


def lead_sentence(tracker: Tracker, topic_id: str) -> str | None:
    """The answer sentence the model found closest to the question, if the
    model chose this topic (not a button)."""
    if next(tracker.get_latest_entity_values("topic"), None):
        return None
    lead = tracker.latest_message.get(ANSWER_LEAD) or {}
    return lead.get("sentence") if lead.get("topic") == topic_id else None


def false_belief(tracker: Tracker, topic_id: str) -> int | None:
    """The topic's false belief the question carries (its number), if any."""
    if next(tracker.get_latest_entity_values("topic"), None):
        return None
    found = tracker.latest_message.get(FALSE_BELIEF) or {}
    number = found.get("belief")
    return number if found.get("topic") == topic_id and isinstance(number, int) else None


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
        topic = None
        if content is None:
            reply = answers.CONTENT_UNAVAILABLE
        else:
            topic = content.topics.get(chosen_topic(tracker) or "")
            reply = (
                answers.answer(
                    content,
                    topic,
                    lead_sentence(tracker, topic.id),
                    false_belief(tracker, topic.id),
                )
                if topic
                else answers.unknown_topic(content)
            )
        # The review log's outcome: answered only if a topic's answer was sent.
        replies.send(dispatcher, tracker, [reply], answered=topic.id if topic else "")
        return []
