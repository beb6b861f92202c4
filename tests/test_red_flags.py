"""The red-flag matcher against the test sets in tests/red_flags/."""

from pathlib import Path

import pytest

from bot import content, spacy_pipeline
from bot.red_flag_matcher import RedFlagMatcher
from bot.red_flags import CALL_NOW, EMERGENCY
from tests.conftest import edit_yaml

SETS = Path(__file__).parent / "red_flags"


def lines(name):
    text = (SETS / name).read_text(encoding="utf-8").splitlines()
    return [line for line in text if line.strip() and not line.startswith("#")]


URGENT = [tuple(part.strip() for part in line.split("|", 1)) for line in lines("urgent.txt")]
NOT_URGENT = lines("not_urgent.txt")


@pytest.fixture(scope="module")
def matcher():
    return RedFlagMatcher(spacy_pipeline.load(), content.load_valid("content").red_flags)


def test_the_sets_are_big_enough():
    assert len(URGENT) >= 60 and len(NOT_URGENT) >= 20
    symptoms = {s.id for s in content.load_valid("content").red_flags.symptoms}
    assert {sid for sid, _ in URGENT} == symptoms


@pytest.mark.parametrize("symptom_id, text", URGENT)
def test_every_urgent_phrasing_is_found(matcher, symptom_id, text):
    assert symptom_id in [s.id for s in matcher.detect(text).urgent]


def test_at_most_one_false_alarm(matcher):
    alarms = [text for text in NOT_URGENT if matcher.detect(text).urgent]
    assert len(alarms) <= 1, alarms


def test_every_listed_phrase_is_found_even_mid_sentence(matcher):
    red_flags = content.load_valid("content").red_flags
    for symptom in red_flags.symptoms:
        for phrase in symptom.phrases:
            found = matcher.detect(f"Sorry to bother you, {phrase.upper()} since this morning")
            assert symptom.id in [s.id for s in found.urgent], phrase


@pytest.mark.parametrize(
    "text",
    [
        "no fever",
        "I don't have chills",
        "my fever is gone",
        "the pump site is not red",
        "without any chest pain",
    ],
)
def test_negations_do_not_count(matcher, text):
    detection = matcher.detect(text)
    assert detection.urgent == () and detection.negated


def test_negation_stops_at_but(matcher):
    assert [s.id for s in matcher.detect("no fever but chills").urgent] == ["fever_chills"]


def test_levels():
    red_flags = content.load_valid("content").red_flags
    levels = {s.id: s.level for s in red_flags.symptoms}
    assert levels["chest_or_breathing"] == levels["gi_bleeding"] == EMERGENCY
    assert levels["fever_chills"] == levels["pump_site"] == levels["jaundice"] == CALL_NOW


def test_red_flag_file_errors_name_the_field(content_dir):
    edit_yaml(
        content_dir / "red_flags.yml", lambda d: d["symptoms"][0].update(level="soon", colour="red")
    )
    problems = [str(p) for p in content.load(content_dir).errors]
    assert any("content/red_flags.yml" in p and "symptoms[0].level" in p for p in problems)
    assert any("symptoms[0].colour" in p for p in problems)


def test_red_flag_message_placeholders_must_resolve(content_dir):
    edit_yaml(
        content_dir / "red_flags.yml",
        lambda d: d["levels"]["call_now"].update(message="Call {phone_nurse}."),
    )
    problems = [str(p) for p in content.load(content_dir).errors]
    assert any("levels.call_now.message" in p for p in problems)
