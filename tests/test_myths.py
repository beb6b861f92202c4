"""A topic's false beliefs (`myths:`, bot/content/myths.py): each error names
the file and the field."""

import pytest

from bot.content import loader
from bot.content.problems import ERROR
from tests.conftest import edit_yaml

GOOD = {
    "belief": "Anyone can refill the pump.",
    "correction": "Only trained infusion nurses should fill or use your pump.",
    "source": "UKY",
    "examples": ["can the pharmacy fill my pump", "can my son refill the pump"],
}


# One of refills.yml's own examples.
REFILL_EXAMPLE = loader.load_valid("content").topics["refills"].examples[0]


def errors_after(content_dir, myths):
    edit_yaml(content_dir / "topics/refills.yml", lambda d: d.update(myths=myths))
    found = loader.load(content_dir)
    return [(p.file, p.field, p.message) for p in found.problems if p.level == ERROR], found


def test_a_good_belief_loads_with_its_topic(content_dir):
    errors, found = errors_after(content_dir, [GOOD])
    assert errors == []
    assert found.topics["refills"].myths[0].source == "UKY"


@pytest.mark.parametrize(
    "change, field, words",
    [
        ({"source": "MSK2"}, "myths[0].source", "not in this topic's sources"),
        ({"correction": "  "}, "myths[0].correction", "is missing"),
        ({"examples": ["only one"]}, "myths[0].examples", "at least 2"),
        ({"examples": [REFILL_EXAMPLE, "can my son refill it"]}, "myths[0].examples", "twice"),
        ({"colour": "red"}, "myths[0].colour", "not a known field"),
        ({"correction": "Call {no_such_value}."}, "myths[0].correction", "unknown values"),
    ],
)
def test_a_faulty_belief_is_named_by_file_and_field(content_dir, change, field, words):
    errors, found = errors_after(content_dir, [{**GOOD, **change}])
    fields = [f for file, f, _ in errors if file == "content/topics/refills.yml"]
    assert field in fields, errors
    assert any(words in message for _, f, message in errors if f == field)


def test_myths_must_be_a_list(content_dir):
    errors, _ = errors_after(content_dir, "The pump cures cancer.")
    assert ("content/topics/refills.yml", "myths") in [(f, fld) for f, fld, _ in errors]


def test_a_belief_for_one_pump_type_is_shown_only_to_its_clinics(content_dir):
    only_programmable = {
        **GOOD,
        "pump_type": "programmable",
        "examples": ["can a pharmacist fill it", "can my daughter fill it"],
    }
    errors, found = errors_after(content_dir, [GOOD, only_programmable])
    assert errors == []
    assert found.clinic["pump_type"] == "constant_flow"
    assert [m.pump_type for m in found.topics["refills"].myths] == [None]


def test_an_unknown_pump_type_is_named(content_dir):
    errors, _ = errors_after(content_dir, [{**GOOD, "pump_type": "solar"}])
    assert any(f == "myths[0].pump_type" for _, f, _ in errors)
