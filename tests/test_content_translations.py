"""Texts in other languages beside the English in content/: checked field by field."""

import datetime as dt
from pathlib import Path

import pytest

from bot import paths
from bot.content import answers, loader
from bot.content.problems import ERROR
from tests.conftest import edit_yaml


def _edited(content_dir: Path, file: str, edit) -> Path:
    """The test's copy of the content (conftest's content_dir), one file edited."""
    edit_yaml(content_dir / file, edit)
    return content_dir


def _errors(content_dir: Path) -> list[str]:
    return [
        f"{p.file} {p.field}: {p.message}"
        for p in loader.load(content_dir).problems
        if p.level == ERROR
    ]


@pytest.mark.parametrize(
    "translation, expected",
    [
        ({"xx": {"text": "hola"}}, "translations.xx: is not a language code"),
        ({"es": {"text": ""}}, "translations.es.text: is missing"),
        ({"es": {"text": "Llame al {telefono}"}}, "uses telefono, which is not defined"),
        ({"en": {"text": "again"}}, "translations.en: is not a language code"),
        ({"es": {"text": "hola"}}, "translations.es.translated_from: is missing"),
        (
            {"es": {"text": "hola", "translated_from": "x", "status": "final"}},
            "translations.es.status: must be draft or reviewed",
        ),
        (
            {"es": {"text": "hola", "translated_from": "x", "status": "reviewed"}},
            "translations.es.reviewed_by: is missing",
        ),
        ({"es": {"text": "hola", "translated_from": "x", "by": "me"}}, "es.by: is not a known"),
    ],
)
def test_a_message_s_translation_is_checked(content_dir, translation, expected):
    def edit(data):
        data["messages"]["other_language"]["translations"] = translation

    errors = _errors(_edited(content_dir, "messages.yml", edit))
    assert any(
        "content/messages.yml messages.other_language" in e and expected in e for e in errors
    ), errors


@pytest.mark.parametrize(
    "translations, expected",
    [
        ({"xx": {"examples": ["hola"]}}, "translations.xx: is not a language code"),
        ({"es": {"answer": "hola"}}, "translations.es.title: is missing"),
        ({"es": {"sound": "hola"}}, "translations.es.sound: is not a known field"),
        (
            {"es": {"title": "Rellenos", "answer": "Cada {dias} días.", "translated_from": "x"}},
            "translations.es.answer: uses dias, which is not defined",
        ),
        (
            {"es": {"title": "Rellenos", "answer": "Hola.", "status": "reviewed"}},
            "translations.es.reviewed_by: is missing",
        ),
        (
            {"es": {"title": "Rellenos", "answer": "Hola."}},
            "translations.es.translated_from: is missing",
        ),
        ({"es": {"examples": ["hola", "Hola"]}}, "'Hola' is listed twice"),
        ({"es": ["hola"]}, "translations.es: must be a mapping"),
    ],
)
def test_a_topic_s_translation_is_checked(content_dir, translations, expected):
    def edit(data):
        data["translations"] = translations

    errors = _errors(_edited(content_dir, "topics/refills.yml", edit))
    assert any("content/topics/refills.yml" in e and expected in e for e in errors), errors


def test_a_message_falls_back_to_english_where_it_has_no_translation():
    content = loader.load_valid(paths.CONTENT_DIR)
    assert (
        answers.message(content, "handoff", language="fr").text
        == answers.message(content, "handoff").text
    )
    spanish = answers.message(content, "other_language", language="es").text
    assert "(555) 555-0199" in spanish and "911" in spanish and "{" not in spanish


def test_an_english_edit_marks_the_translation_out_of_date_and_hides_it(content_dir):
    def edit(data):
        data["answer"] = data["answer"] + " Bring your pump ID card."

    content_dir = _edited(content_dir, "topics/refills.yml", edit)
    loaded = loader.load(content_dir)
    warnings = [str(p) for p in loaded.warnings if "translated_from" in p.field]
    assert len(warnings) == 1 and "needs a translator" in warnings[0]
    topic = loaded.topics["refills"]
    assert topic.translations["es"].out_of_date
    # A clinic that shows only reviewed, current translations gives the English
    # answer after a note in Spanish.
    loaded.clinic["show_draft_translations"] = False
    note, english = answers.answer_in(loaded, topic, "es")
    assert note.text.startswith("Esta respuesta todavía se está traduciendo")
    assert "Bring your pump ID card." in english.text
    assert english.buttons[0]["title"] == topic.translations["es"].title or english.buttons


def test_a_reviewed_current_translation_is_shown_even_without_drafts(content_dir):
    from bot.content import translations

    current = loader.load_valid(paths.CONTENT_DIR).topics["refills"]
    version = translations.english_version(current.title, current.variants)

    def review(data):
        data["translations"]["es"].update(
            status="reviewed",
            reviewed_by="A. Translator, CHI",
            reviewed_on=dt.date(2026, 12, 1),
            translated_from=version,
        )

    loaded = loader.load(_edited(content_dir, "topics/refills.yml", review))
    assert loaded.errors == []
    loaded.clinic["show_draft_translations"] = False
    (reply,) = answers.answer_in(loaded, loaded.topics["refills"], "es")
    assert "la bomba se llena cada 14 días" in reply.text and "Fuentes" in reply.text


def test_a_current_translation_uses_the_english_answer_s_placeholders(content_dir):
    from bot.content import translations

    current = loader.load_valid(paths.CONTENT_DIR).topics["refills"]
    version = translations.english_version(current.title, current.variants)

    def drop_placeholder(data):
        data["translations"]["es"].update(answer="Cada dos semanas.", translated_from=version)

    errors = _errors(_edited(content_dir, "topics/refills.yml", drop_placeholder))
    assert any("must use the same placeholders as the English" in e for e in errors), errors


@pytest.mark.parametrize(
    "file, edit, field",
    [
        (
            "messages.yml",
            lambda data: data["messages"]["welcome"].update(
                text=data["messages"]["welcome"]["text"] + " We are glad you are here."
            ),
            "messages.welcome.translations.es.translated_from",
        ),
        (
            "red_flags.yml",
            lambda data: data["levels"]["call_now"].update(
                message=data["levels"]["call_now"]["message"] + " Keep your pump ID card."
            ),
            "levels.call_now.translations.es.translated_from",
        ),
    ],
)
def test_an_english_message_edit_marks_its_translation_out_of_date(content_dir, file, edit, field):
    loaded = loader.load(_edited(content_dir, file, edit))
    warnings = [p for p in loaded.warnings if p.field == field]
    assert len(warnings) == 1 and "needs a translator" in warnings[0].message
    assert not [p for p in loaded.warnings if "translated_from" in p.field and p.field != field]


def test_every_shipped_translation_says_which_english_it_was_made_from():
    loaded = loader.load(paths.CONTENT_DIR)
    assert not [str(p) for p in loaded.problems if "translated_from" in p.field]
