"""Texts in other languages beside the English in content/: checked field by field."""

import shutil
from pathlib import Path

import pytest
import yaml

from bot import paths
from bot.content import answers, loader
from bot.content.problems import ERROR


def _content(tmp_path: Path, file: str, edit) -> Path:
    target = tmp_path / "content"
    shutil.copytree(paths.CONTENT_DIR, target)
    path = target / file
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    edit(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return target


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
    ],
)
def test_a_message_s_translation_is_checked(tmp_path, translation, expected):
    def edit(data):
        data["messages"]["other_language"]["translations"] = translation

    errors = _errors(_content(tmp_path, "messages.yml", edit))
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
            "must use the same placeholders as the English",
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
def test_a_topic_s_translation_is_checked(tmp_path, translations, expected):
    def edit(data):
        data["translations"] = translations

    errors = _errors(_content(tmp_path, "topics/refills.yml", edit))
    assert any("content/topics/refills.yml" in e and expected in e for e in errors), errors


def test_a_message_falls_back_to_english_where_it_has_no_translation():
    content = loader.load_valid(paths.CONTENT_DIR)
    assert (
        answers.message(content, "handoff", language="es").text
        == answers.message(content, "handoff").text
    )
    spanish = answers.message(content, "other_language", language="es").text
    assert "(555) 555-0199" in spanish and "911" in spanish and "{" not in spanish
