"""The answers' sentences (bot/content/sentences.py), on every answer in content/."""

import pytest

from bot.content import answers, loader, sentences

CONTENT = loader.load_valid("content")


@pytest.mark.parametrize("topic_id", sorted(CONTENT.topics))
def test_every_answer_splits_into_whole_sentences(topic_id):
    body = answers.body(CONTENT, CONTENT.topics[topic_id])
    parts = sentences.sentences(body)
    assert " ".join(parts) == " ".join(body.split())
    for part in parts:
        # Ends a sentence, and is not cut at an abbreviation or a number.
        assert part[-1] in '.!?:)"' and len(part.split()) >= 3, part


def test_a_sentence_is_moved_to_the_front_once_and_nothing_else_changes():
    text = "First one here. Second one there.\n\nThird one now. Fourth one last."
    led = sentences.lead_with(text, "Fourth one last.")
    assert led == "Fourth one last.\n\nFirst one here. Second one there.\n\nThird one now."
    assert sentences.lead_with(text, "First one here.") == text
    assert sentences.lead_with(text, "Not in it.") == text


def test_a_sentence_that_leans_on_the_one_before_never_leads():
    text = "Glycerin keeps the tube open. It has no medicine in it."
    assert sentences.lead_with(text, "It has no medicine in it.") == text
    assert not sentences.can_lead("This fill is different.")
    assert sentences.can_lead("Soreness gets better in 1 to 4 weeks.")


def test_sentences_already_said_are_left_out_and_nothing_else():
    text = "First one here. Second one there.\n\nThird one now."
    assert sentences.without(text, ["Second one there."]) == "First one here.\n\nThird one now."
    assert sentences.without(text, ["Third one now."]) == "First one here. Second one there."
    assert sentences.without(text, ["Not in it."]) == text
