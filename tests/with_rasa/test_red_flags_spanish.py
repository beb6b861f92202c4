"""The red flags in Spanish (content/red_flags.yml, translations.es): found by the
matchers alone, with Spanish negations, whatever the spelling; the English ones
unchanged beside them. The model's part is gated by `make eval`."""

from pathlib import Path

import pytest

from bot import paths
from bot.content import loader
from bot.content.problems import ERROR
from bot.nlu import safety
from bot.training import evaluate
from tests.conftest import edit_yaml

SETS = paths.RED_FLAG_TEST_SETS / "es"
URGENT_LINES = [
    tuple(part.strip() for part in line.split("|", 1))
    for line in (SETS / "urgent.txt").read_text(encoding="utf-8").splitlines()
    if line.strip() and not line.startswith("#")
]
_, NOT_URGENT = evaluate.load_red_flag_sets(SETS)


def urgent(text: str) -> list[str]:
    return [s.id for s in safety.detect(text).urgent]


def test_the_spanish_sets_cover_every_symptom_many_times():
    symptoms = {s.id for s in loader.load_valid(paths.CONTENT_DIR).red_flags.symptoms}
    counts = {sid: sum(s == sid for s, _ in URGENT_LINES) for sid in symptoms}
    assert min(counts.values()) >= 15, counts
    assert len(NOT_URGENT) >= 100


@pytest.mark.parametrize("symptom_id, text", URGENT_LINES, ids=lambda v: str(v)[:40])
def test_every_spanish_report_is_urgent_by_the_matchers_alone(symptom_id, text):
    assert urgent(text), text


def test_at_most_one_spanish_false_alarm():
    alarms = [text for text in NOT_URGENT if urgent(text)]
    assert len(alarms) <= 1, alarms


@pytest.mark.parametrize(
    "text, symptom",
    [
        ("tengo fiebre y escalofríos desde ayer", "fever_chills"),
        ("TENGO FIEBRE Y ESCALOFRIOS DESDE AYER", "fever_chills"),
        ("tengo fibre", "fever_chills"),
        ("mi esposo tiene calentura", "fever_chills"),
        ("mi mamá tiene 38.5", "fever_chills"),
        ("el termómetro marca 101.4", "fever_chills"),
        ("me salió una rojez donde está la bomba", "pump_site"),
        ("no me baja la fiebre", "fever_chills"),
        ("no se me quita la fiebre", "fever_chills"),
        ("no se me quitó la calentura", "fever_chills"),
        ("la fiebre ha vuelto", "fever_chills"),
        ("no sé por qué tengo fiebre", "fever_chills"),
        ("la herida no para de sangrar", "heavy_bleeding"),
        ("no puedo respirar", "chest_or_breathing"),
        ("vomité sangre", "gi_bleeding"),
        ("se me pusieron los ojos amarillos", "jaundice"),
    ],
)
def test_spanish_reports_whatever_the_spelling(text, symptom):
    assert symptom in urgent(text)


@pytest.mark.parametrize(
    "text",
    [
        "ya no tengo fiebre",
        "no tengo fiebre ni escalofríos",
        "sin fiebre",
        "la fiebre se me quitó ayer",
        "ya se me quitó la calentura",
        "la fiebre no ha vuelto",
        "la fiebre ya bajó",
        "mi herida ya no está roja",
        "¿cuánto tiempo dura el relleno?",
        "tiene 38 años",
    ],
)
def test_spanish_negations_and_resolutions_are_not_urgent(text):
    assert urgent(text) == []


def test_english_is_read_as_before_beside_spanish():
    urgent_en, calm_en = evaluate.load_red_flag_sets(paths.RED_FLAG_TEST_SETS)
    assert all(urgent(text) for text in urgent_en)
    assert [text for text in calm_en if urgent(text)] == []


def test_a_spanish_mention_says_its_language():
    assert safety.detect("tengo calentura").languages == ("es",)
    assert safety.detect("I have chills").languages == ("en",)


def _edited(content_dir: Path, file: str, edit) -> Path:
    """The test's copy of the content (conftest's content_dir), one file edited."""
    edit_yaml(content_dir / file, edit)
    return content_dir


def _errors(content_dir: Path) -> list[str]:
    return [
        f"{p.field}: {p.message}" for p in loader.load(content_dir).problems if p.level == ERROR
    ]


def test_a_symptom_without_its_spanish_wording_is_a_precise_error(content_dir):
    def drop(data):
        del data["symptoms"][0]["translations"]

    errors = _errors(_edited(content_dir, "red_flags.yml", drop))
    assert any(e.startswith("symptoms.chest_or_breathing.translations.es:") for e in errors), errors


def test_a_missing_spanish_urgent_message_is_a_precise_error(content_dir):
    def drop(data):
        del data["levels"]["call_now"]["translations"]

    errors = _errors(_edited(content_dir, "red_flags.yml", drop))
    assert "levels.call_now.translations.es.message: is missing" in errors


@pytest.mark.parametrize(
    "status, expected",
    [
        ("finished", "translations.es.status: must be draft or reviewed"),
        ("reviewed", "translations.es.reviewed_by: is missing"),
    ],
)
def test_a_translation_status_is_checked(content_dir, status, expected):
    def set_status(data):
        data["translations"]["es"]["status"] = status

    errors = _errors(_edited(content_dir, "red_flags.yml", set_status))
    assert any(e.startswith(expected) for e in errors), errors


def test_a_language_the_assistant_does_not_speak_is_refused(content_dir):
    def add_klingon(data):
        data["translations"]["tlh"] = {"status": "draft"}

    errors = _errors(_edited(content_dir, "red_flags.yml", add_klingon))
    assert any(e.startswith("translations.tlh: is not a language") for e in errors), errors


@pytest.mark.parametrize("spelling", ["no-break spaces", "zero-width space in each word gap",
                                      "fullwidth letters"])  # fmt: skip
def test_spanish_reports_whatever_the_keyboard(spelling):
    from tests.with_rasa.test_red_flags import ODD_SPELLINGS

    odd = ODD_SPELLINGS[spelling]
    assert "fever_chills" in urgent(odd("tengo fiebre y escalofrios desde ayer"))
    assert "pump_site" in urgent(odd("me salio una rojez donde esta la bomba"))
    assert urgent(odd("ya no tengo fiebre")) == []
