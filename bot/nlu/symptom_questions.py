"""Questions about a symptom, told apart from reports of one.

"Is it normal to have a fever after a refill?" asks about a symptom; "I have a
fever" reports one. Both mention a red flag, so both get the urgent message
first, every time. A question also gets the answer of the topic it asks about,
after the urgent line, so that topics about warning signs stay reachable; a
report gets the urgent message alone.

A message is a question by its form: it starts with a question word ("what",
"is", "can" ...), or it has a question mark and does not start as a report in
the first person ("I have ...", "my pump ...": those are about the patient now,
and the urgent message is the answer). The topic comes from the classifier's
topic ranking, and must be one content/red_flags.yml lists for the symptom (its
`topics`), so no unrelated answer follows an urgent line; see topic_asked().
"""

from __future__ import annotations

import re

# The key SafetyRouter sets on such a message: {"topic": id, "confidence": c}.
SYMPTOM_QUESTION = "symptom_question"
QUESTION_WORDS = {
    "what",
    "whats",
    "what's",
    "how",
    "hows",
    "how's",
    "why",
    "when",
    "where",
    "which",
    "who",
    "is",
    "isn't",
    "are",
    "aren't",
    "was",
    "were",
    "does",
    "doesn't",
    "do",
    "did",
    "can",
    "could",
    "should",
    "would",
    "will",
    "may",
    "might",
    "tell",
    "explain",
}
# A message starting with these reports the patient's own state.
REPORT_STARTS = {"i", "i'm", "im", "i've", "ive", "i'd", "my", "me", "mine"}
_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")


def is_question(text: str) -> bool:
    words = _WORD.findall(text.lower().replace("\u2019", "'"))
    if not words:
        return False
    if words[0] in QUESTION_WORDS:
        return True
    return "?" in text and words[0] not in REPORT_STARTS


def topic_asked(
    message_text: str,
    ranking: list[dict],
    symptom_topics: set[str] | None,
    min_confidence: float,
    other_topic_min_confidence: float,
) -> dict | None:
    """The topic a question about a symptom asks, from the classifier's topic
    ranking: the best-ranked topic that content/red_flags.yml lists for the
    symptoms mentioned, at min_confidence or more; or any topic the classifier is
    at least other_topic_min_confidence sure of (a question asked beside the
    symptom: "how long is the hospital stay, also I have a fever"). None for a
    report, or when no topic is sure enough: then the urgent message stands alone.
    """
    if not ranking or not is_question(message_text):
        return None
    for item in sorted(ranking, key=lambda i: -i.get("confidence", 0.0)):
        key = item.get("intent_response_key") or ""
        if "/" not in key:
            continue
        topic, confidence = key.split("/", 1)[1], float(item.get("confidence", 0.0))
        listed = symptom_topics is not None and topic in symptom_topics
        if (listed and confidence >= min_confidence) or confidence >= other_topic_min_confidence:
            return {"topic": topic, "confidence": round(confidence, 3)}
    return None
