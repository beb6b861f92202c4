"""InputGuard, first in the Rasa pipeline, on messages as Rasa hands them over."""

from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu import input_checks
from bot.nlu.components import INPUT_FLAGS, RED_FLAGS, RED_FLAGS_NEGATED, InputGuard


def guard(text):
    message = Message(data={TEXT: text}) if text is not None else Message(data={})
    return InputGuard().process([message])[0]


def test_later_components_read_the_plain_text():
    message = guard("Ｉ ｈａｖｅ chest\u00a0pa\u200bin")
    assert message.get(TEXT) == "I have chest pain"
    assert message.get(RED_FLAGS) == ["chest_or_breathing"]
    assert message.get(INPUT_FLAGS) == []


def test_an_odd_space_does_not_hide_a_negation():
    message = guard("no\u00a0fever")
    assert message.get(RED_FLAGS) == [] and message.get(RED_FLAGS_NEGATED) == ["fever_chills"]


def test_only_zero_width_spaces_is_empty():
    message = guard("\u200b\u200b")
    assert message.get(INPUT_FLAGS) == [input_checks.EMPTY]
    assert message.get(TEXT) == ""


def test_long_text_is_capped_after_normalising_and_red_flags_are_found_past_the_cap():
    message = guard("ｐｕｍｐ " * 300 + "chest\u3000pain")
    assert message.get(TEXT) == ("pump " * 300)[: input_checks.MAX_NLU_CHARS]
    assert message.get(INPUT_FLAGS) == [input_checks.TOO_LONG]
    assert message.get(RED_FLAGS) == ["chest_or_breathing"]


def test_plain_text_is_left_as_it_is_and_no_text_stays_no_text():
    assert guard("how long is the hospital stay").get(TEXT) == "how long is the hospital stay"
    assert guard(None).get(TEXT) is None
