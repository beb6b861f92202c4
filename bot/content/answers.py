"""How a topic is shown to a patient: the answer, where it comes from, and
buttons for related topics."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from bot.content import placeholders, sentences
from bot.content.languages import ENGLISH
from bot.content.loader import Content, Topic
from bot.content.sign_off import SIGNED
from bot.intents import RETRIEVAL_INTENT


@dataclass(frozen=True)
class Reply:
    text: str
    buttons: list[dict] = field(default_factory=list)
    # Urgent guidance: the web chat shows it unmistakably (its own style and
    # heading, announced at once to screen readers).
    urgent: bool = False


def topic_button(topic: Topic, language: str = ENGLISH) -> dict:
    """A button that asks for the topic, titled in `language` where it is translated."""
    payload = f"/{RETRIEVAL_INTENT}{json.dumps({'topic': topic.id})}"
    translation = topic.translations.get(language)
    title = translation.title if translation and translation.title else topic.title
    return {"title": title, "payload": payload}


def _link(name: str, url: str) -> str:
    """A markdown-style link, "[name](url)"; parentheses in the address are
    escaped so that they cannot end it early."""
    return f"[{name}]({url.replace('(', '%28').replace(')', '%29')})"


def sources_line(content: Content, topic: Topic, language: str = ENGLISH) -> str:
    """One short line: "Sources: [Penn Medicine](https://...), [Johns Hopkins
    Medicine](https://...)". A name and address cited twice show once."""
    cited = [content.sources[key] for key in topic.sources_for(content.clinic.get("pump_type"))]
    links = list(
        dict.fromkeys(
            _link(content.render(s.name or s.citation).strip(), content.render(s.url).strip())
            for s in cited
        )
    )
    label = content.messages["source_label" if len(links) == 1 else "sources_label"]
    return f"{label.text_in(language)}: " + ", ".join(links)


def body(content: Content, topic: Topic) -> str:
    """The topic's answer for the clinic's pump type, placeholders filled."""
    return content.render(topic.answer_for(content.clinic.get("pump_type")) or topic.answer)


def shown_translation(content: Content, topic: Topic, language: str):
    """The topic's translation patients read in `language`, or None: English, no
    translation, or one the clinic does not show yet (clinic.yml)."""
    translation = topic.translations.get(language)
    if language == ENGLISH or translation is None:
        return None
    if translation.answer_for(content.clinic.get("pump_type")) is None:
        return None
    return translation if translation.shown(content.clinic["show_draft_translations"]) else None


def answer_in(content: Content, topic: Topic, language: str, **marks) -> list[Reply]:
    """The answer in the patient's language: the translation, or the English
    answer after a note that it is being translated. `marks` (lead, belief) are
    read in English only. A clinic that serves only signed answers gives, for
    one a clinician has not signed (or whose sign-off lapsed), "being reviewed,
    please call us" instead (bot/content/sign_off.py)."""
    if content.clinic["serve_only_signed"] and content.sign_off_state(topic) != SIGNED:
        return [message(content, "answer_being_reviewed", language=language)]
    if language == ENGLISH:
        return [answer(content, topic, **marks)]
    translation = shown_translation(content, topic, language)
    buttons = [
        topic_button(content.topics[t], language) for t in topic.follow_ups if t in content.topics
    ]
    if translation is None:
        english = answer(content, topic)
        note = message(content, "translation_pending", language=language)
        return [note, Reply(text=english.text, buttons=buttons)]
    text = content.render(translation.answer_for(content.clinic.get("pump_type")) or "", language)
    return [Reply(f"{text.rstrip()}\n{sources_line(content, topic, language)}", buttons)]


def answer(
    content: Content, topic: Topic, lead: str | None = None, belief: int | None = None
) -> Reply:
    """The topic's answer for the clinic's pump type, its sources and follow-ups.
    `belief`, the number of one of the topic's false beliefs that the question
    carries: its correction comes first. `lead`, one of the answer's own
    sentences, comes first after that (the one that answers the question).
    The sources line follows the answer after a single line break, so that a
    channel which splits messages at blank lines (socket.io) keeps it with the
    answer's last paragraph: the widget shows it as a small line in that bubble."""
    text = body(content, topic)
    if lead:
        text = sentences.lead_with(text, lead)
    if belief is not None and 0 <= belief < len(topic.myths):
        correction = content.render(topic.myths[belief].correction)
        # Corrections restate the answer's facts: a sentence is said once.
        rest = sentences.without(text, sentences.sentences(correction))
        text = f"{correction}\n\n{rest}" if rest else correction
    text = f"{text.rstrip()}\n{sources_line(content, topic)}"
    buttons = [topic_button(content.topics[t]) for t in topic.follow_ups if t in content.topics]
    return Reply(text=text, buttons=buttons)


def message(
    content: Content,
    key: str,
    extra_buttons: list[Topic] | None = None,
    values: dict[str, str] | None = None,
    language: str = "en",
) -> Reply:
    """One of content/messages.yml, with its topic buttons (or the given ones) and
    any values the assistant fills in besides the clinic's; in `language` where
    the message is written in it, in English otherwise."""
    entry = content.messages[key]
    topics = extra_buttons or [content.topics[t] for t in entry.buttons if t in content.topics]
    text = placeholders.fill(
        entry.text_in(language), {**content.clinic_in(language), **(values or {})}
    )
    return Reply(text=text, buttons=[topic_button(t, language) for t in topics])


def unknown_topic(content: Content, language: str = ENGLISH) -> Reply:
    """For a topic the model knows but content/ no longer has."""
    return message(content, "topic_unavailable", language=language)


# The one patient sentence in code, on purpose: it is said when content/ itself
# cannot be read, so it cannot come from there.
CONTENT_UNAVAILABLE = Reply(
    text="Sorry, I can't answer right now. Please call your care team. In an emergency, call 911."
)
