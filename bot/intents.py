"""The intent names our code acts on, in one place. domain.yml declares them for
Rasa; tests/test_intents.py checks that the two agree."""

from __future__ import annotations

# FAQ topics are one Rasa retrieval intent, "faq/<topic id>" (Rasa's convention).
RETRIEVAL_INTENT = "faq"
URGENT = "urgent_symptom"
OUT_OF_SCOPE = "out_of_scope"
HANDOFF = "human_handoff"
MEDICAL_ADVICE = "medical_advice"
STOP_CONTACT = "stop_contact"
CANCEL_REMINDER = "cancel_reminder"
# Rasa's FallbackClassifier's intent; SafetyRouter uses it for input no model should read.
FALLBACK = "nlu_fallback"
# Triggered from outside a conversation (a due refill reminder, bot/reminders/external.py).
EXTERNAL_PREFIX = "EXTERNAL_"
REFILL_DUE = "EXTERNAL_refill_due"
# In a parsed FAQ question: the sentence of the chosen topic's answer closest to
# the question ({"topic", "sentence", "similarity"}), which then leads the answer.
ANSWER_LEAD = "answer_lead"
# In a parsed FAQ question: a false belief of the chosen topic that the question
# carries ({"topic", "belief": its number in the topic's myths, "similarity"}).
FALSE_BELIEF = "false_belief"
# In the metadata of the FAQ answer's messages: the topic whose answer was sent,
# "" when none was (the review log's outcome and topic come from it).
ANSWERED_TOPIC = "answered_topic"
# In the metadata of every reply: the language it is written in; and, on urgent
# guidance, True. Rasa passes both on to the web chat with the message
# (bot/rasa/channels.py), and the chat history keeps them.
REPLY_LANGUAGE = "language"
URGENT_REPLY = "urgent"


def response_key(topic_id: str) -> str:
    return f"{RETRIEVAL_INTENT}/{topic_id}"


def topic_from_response_key(key: str) -> str | None:
    prefix = f"{RETRIEVAL_INTENT}/"
    return key[len(prefix) :] if key and key.startswith(prefix) else None


def is_external(name: str) -> bool:
    """Rasa's convention for intents triggered from outside a conversation: only its
    API sets them, so no typed message may become one."""
    return name.startswith(EXTERNAL_PREFIX)


# The entity of the web chat's opening payload when the patient chose a language,
# /greet{"language": "es"} (bot/servers/web.py); domain.yml fills the
# conversation's language slot from it.
CHOSEN_LANGUAGE = "language"
# Set on each parsed message: the language it is written in (bot/nlu/language.py),
# or None when a message does not say; the replies follow it where they can.
MESSAGE_LANGUAGE = "language"
# In the training data: an intent block's metadata naming its examples'
# language ({language: es}); examples without it are English.
LANGUAGE_KEY = "language"
