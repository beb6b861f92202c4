"""The red-flag matcher against the test sets in eval/red_flags/."""


import pytest

from bot import paths
from bot.content import loader
from bot.content.red_flags import CALL_NOW, EMERGENCY
from bot.nlu import spacy_pipeline
from bot.nlu.red_flag_matcher import RedFlagMatcher
from bot.nlu.symptom_questions import is_question
from bot.training import evaluate
from tests.conftest import edit_yaml

SETS = paths.RED_FLAG_TEST_SETS


def lines(name):
    text = (SETS / name).read_text(encoding="utf-8").splitlines()
    return [line for line in text if line.strip() and not line.startswith("#")]


URGENT = [tuple(part.strip() for part in line.split("|", 1)) for line in lines("urgent.txt")]
NOT_URGENT = lines("not_urgent.txt")
NEGATED = [
    "no fever",
    "I don't have chills",
    "my fever is gone",
    "the pump site is not red",
    "without any chest pain",
]


def listed_phrasings():
    """Every phrase of content/red_flags.yml, and each combination spelled with
    the first word of each of its groups, as (symptom id, phrasing)."""
    for symptom in loader.load_valid(paths.ROOT / "content").red_flags.symptoms:
        for phrase in symptom.phrases:
            yield symptom.id, phrase
        for combination in symptom.combinations:
            yield symptom.id, " ".join(group[0] for group in combination)


def fullwidth(text):
    """ASCII letters, digits and punctuation as their fullwidth forms (U+FF01-U+FF5E),
    as an Asian-language keyboard types them."""
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


# What other keyboards, phones and copy-paste make of the spaces and letters.
ODD_SPELLINGS = {
    "no-break spaces": lambda text: text.replace(" ", "\u00a0"),
    "narrow no-break spaces": lambda text: text.replace(" ", "\u202f"),
    "zero-width space in each word gap": lambda text: text.replace(" ", " \u200b"),
    "soft hyphen inside each word": lambda text: " ".join(
        w[:2] + "\u00ad" + w[2:] for w in text.split(" ")
    ),
    "fullwidth letters": fullwidth,
}


@pytest.fixture(scope="module")
def matcher():
    return RedFlagMatcher(spacy_pipeline.load(), loader.load_valid("content").red_flags)


def test_the_sets_are_big_enough():
    assert len(URGENT) >= 60 and len(NOT_URGENT) >= 20
    symptoms = {s.id for s in loader.load_valid("content").red_flags.symptoms}
    assert {sid for sid, _ in URGENT} == symptoms


@pytest.mark.parametrize("symptom_id, text", URGENT)
def test_every_urgent_phrasing_is_found(matcher, symptom_id, text):
    assert symptom_id in [s.id for s in matcher.detect(text).urgent]


SYMPTOM_QUESTIONS = evaluate.load_symptom_questions(SETS)


@pytest.mark.parametrize("question", SYMPTOM_QUESTIONS, ids=lambda q: q.text[:40])
def test_every_symptom_question_is_found_and_names_real_topics(matcher, question):
    assert question.symptom in [s.id for s in matcher.detect(question.text).urgent]
    assert set(question.topics) <= set(loader.load_valid("content").topics)
    assert is_question(question.text)


@pytest.mark.parametrize("symptom_id, text", URGENT)
def test_reports_are_not_questions(symptom_id, text):
    # So they get the urgent message alone, whatever the model ranks.
    assert not is_question(text)


def test_at_most_one_false_alarm(matcher):
    alarms = [text for text in NOT_URGENT if matcher.detect(text).urgent]
    assert len(alarms) <= 1, alarms


def test_every_listed_phrase_is_found_even_mid_sentence(matcher):
    red_flags = loader.load_valid("content").red_flags
    for symptom in red_flags.symptoms:
        for phrase in symptom.phrases:
            found = matcher.detect(f"Sorry to bother you, {phrase.upper()} since this morning")
            assert symptom.id in [s.id for s in found.urgent], phrase


@pytest.mark.parametrize("text", NEGATED)
def test_negations_do_not_count(matcher, text):
    detection = matcher.detect(text)
    assert detection.urgent == () and detection.negated


def urgent_ids(matcher, text):
    return [s.id for s in matcher.detect(text).urgent]


@pytest.mark.parametrize("spelling", ODD_SPELLINGS)
@pytest.mark.parametrize("symptom_id, phrase", listed_phrasings())
def test_every_listed_phrasing_is_found_whatever_the_keyboard(
    matcher, symptom_id, phrase, spelling
):
    message = f"I have {phrase} since this morning"
    plain = urgent_ids(matcher, message)
    assert symptom_id in plain
    assert urgent_ids(matcher, ODD_SPELLINGS[spelling](message)) == plain


def test_a_phrase_listed_with_a_curly_apostrophe_matches_a_plain_one(content_dir):
    edit_yaml(
        content_dir / "red_flags.yml",
        lambda d: d["symptoms"][0].update(phrases=["can\u2019t get air"]),
    )
    red_flags = loader.load_valid(content_dir).red_flags
    matcher = RedFlagMatcher(spacy_pipeline.load(), red_flags)
    assert urgent_ids(matcher, "I can't get air") == ["chest_or_breathing"]


@pytest.mark.parametrize("spelling", ODD_SPELLINGS)
@pytest.mark.parametrize("text", NEGATED)
def test_negations_do_not_count_whatever_the_keyboard(matcher, text, spelling):
    detection = matcher.detect(ODD_SPELLINGS[spelling](text))
    assert detection.urgent == () and detection.negated


def test_negation_stops_at_but(matcher):
    assert [s.id for s in matcher.detect("no fever but chills").urgent] == ["fever_chills"]


def test_levels():
    red_flags = loader.load_valid("content").red_flags
    levels = {s.id: s.level for s in red_flags.symptoms}
    assert levels["chest_or_breathing"] == levels["gi_bleeding"] == EMERGENCY
    assert levels["fever_chills"] == levels["pump_site"] == levels["jaundice"] == CALL_NOW


def test_red_flag_file_errors_name_the_field(content_dir):
    edit_yaml(
        content_dir / "red_flags.yml", lambda d: d["symptoms"][0].update(level="soon", colour="red")
    )
    problems = [str(p) for p in loader.load(content_dir).errors]
    assert any("content/red_flags.yml" in p and "symptoms[0].level" in p for p in problems)
    assert any("symptoms[0].colour" in p for p in problems)


def test_red_flag_message_placeholders_must_resolve(content_dir):
    edit_yaml(
        content_dir / "red_flags.yml",
        lambda d: d["levels"]["call_now"].update(message="Call {phone_nurse}."),
    )
    problems = [str(p) for p in loader.load(content_dir).errors]
    assert any("levels.call_now.message" in p for p in problems)


@pytest.mark.parametrize(
    "text, symptom_id",
    [
        ("no fever\nchest pain", "chest_or_breathing"),
        ("I don't have a fever\r\nbut my pump site is red", "pump_site"),
        ("no fever\u2028I have chest pain", "chest_or_breathing"),
        ("not itchy\n\nvomiting blood", "gi_bleeding"),
    ],
)
def test_a_symptom_on_its_own_line_is_not_negated_by_the_line_before(matcher, text, symptom_id):
    # The widget allows Shift+Enter: a patient may list symptoms one per line.
    assert symptom_id in [s.id for s in matcher.detect(text).urgent]


def test_a_negation_on_the_same_line_still_counts(matcher):
    assert matcher.detect("chest pain\nno fever").urgent[0].id == "chest_or_breathing"
    assert "fever_chills" not in [s.id for s in matcher.detect("chest pain\nno fever").urgent]
