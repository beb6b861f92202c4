"""content/widget.yml: the chat widget's words in every language the assistant
speaks, checked field by field (bot/content/widget.py)."""

import re
from pathlib import Path

import pytest

from bot import paths
from bot.content import languages, loader, widget
from bot.content.problems import ERROR, WARNING
from tests.conftest import edit_yaml

SCRIPT = paths.ROOT / "web" / "widget" / "haip-chat.js"


def _errors(content_dir: Path) -> list[tuple[str, str, str]]:
    """The errors in content/widget.yml (the other files' are their own tests')."""
    return [
        (p.file, p.field, p.message)
        for p in loader.load(content_dir).problems
        if p.level == ERROR and p.file == widget.REL
    ]


def _edited(content_dir: Path, change) -> list[tuple[str, str, str]]:
    edit_yaml(content_dir / widget.FILE, change)
    return _errors(content_dir)


def test_the_shipped_labels_are_complete_in_every_spoken_language():
    loaded = loader.load(paths.CONTENT_DIR)
    assert [p for p in loaded.problems if p.file == widget.REL] == []
    assert list(loaded.widget) == list(languages.SPOKEN)
    for texts in loaded.widget.values():
        assert set(texts) == set(widget.LABELS) and all(texts.values())
    assert loaded.widget["es"]["send"] == "Enviar"


def test_a_label_missing_in_spanish_is_named_and_spanish_is_not_offered(content_dir):
    def change(data):
        del data["labels"]["send"]["translations"]["es"]

    assert _edited(content_dir, change) == [
        (widget.REL, "labels.send.translations.es.text", "is missing")
    ]
    # A patient who chose Spanish would get a widget in two languages: none rather.
    assert list(loader.load(content_dir).widget) == [languages.ENGLISH]


def test_a_label_missing_in_english_is_named(content_dir):
    def change(data):
        del data["labels"]["close"]

    assert _edited(content_dir, change) == [(widget.REL, "labels.close.text", "is missing")]


@pytest.mark.parametrize(
    "change, field, message",
    [
        (
            lambda d: d["labels"].update(hello={"text": "Hi"}),
            "labels.hello",
            "is not a label the widget shows",
        ),
        (
            lambda d: d["labels"]["send"]["translations"].update(fr={"text": "Envoyer"}),
            "labels.send.translations.fr",
            "is not a language the assistant speaks",
        ),
        (
            lambda d: d["labels"]["send"].update(title="Send"),
            "labels.send.title",
            "is not a known field",
        ),
        (
            lambda d: d["labels"]["send"].update(translations=["Enviar"]),
            "labels.send.translations",
            "must map a language code to a text",
        ),
        (
            lambda d: d["labels"]["close"].update(text="Close {clinic_name}"),
            "labels.close.text",
            "uses clinic_name, which this label cannot have",
        ),
        (
            lambda d: d["labels"]["phone_hint"]["translations"]["es"].update(text="Llame ahora."),
            "labels.phone_hint.translations.es.text",
            "must use the same placeholders as the English (phone_main)",
        ),
        (lambda d: d.update(colour="blue"), "colour", "is not a known field"),
        (lambda d: d.pop("reviewed_by"), "reviewed_by", "is missing"),
        (
            lambda d: d["labels"]["send"]["translations"]["es"].update(status="done"),
            "labels.send.translations.es.status",
            "must be draft or reviewed",
        ),
        (
            lambda d: d["labels"]["send"]["translations"]["es"].update(status="reviewed"),
            "labels.send.translations.es.reviewed_by",
            "is missing: who reviewed the translation",
        ),
        (
            lambda d: d["labels"]["send"]["translations"]["es"].pop("translated_from"),
            "labels.send.translations.es.translated_from",
            "is missing: the English version it was written from",
        ),
        (
            lambda d: d["labels"]["send"]["translations"]["es"].update(voice="alta"),
            "labels.send.translations.es.voice",
            "is not a known field",
        ),
        (lambda d: d.update(labels=["Send"]), "labels", "must map each label name to its text"),
    ],
)
def test_a_malformed_label_file_names_the_field(content_dir, change, field, message):
    errors = _edited(content_dir, change)
    assert any(f == field and message in m for _, f, m in errors), errors


def test_a_changed_english_label_marks_its_translation_out_of_date(content_dir):
    edit_yaml(content_dir / widget.FILE, lambda d: d["labels"]["send"].update(text="Send it"))
    warnings = [
        (p.field, p.message)
        for p in loader.load(content_dir).problems
        if p.file == widget.REL and p.level == WARNING
    ]
    assert [f for f, m in warnings if "it needs a translator" in m] == [
        "labels.send.translations.es.translated_from"
    ]


@pytest.mark.parametrize(
    "text, message", [("- a\n- list\n", "must be a mapping of field: value"), (None, "is missing")]
)
def test_a_label_file_of_the_wrong_shape_or_missing_is_named(content_dir, text, message):
    path = content_dir / widget.FILE
    if text is None:
        path.unlink()
    else:
        path.write_text(text)
    assert (widget.REL, "(file)", message) in _errors(content_dir)


def test_the_widget_script_uses_every_label_and_no_other():
    script = SCRIPT.read_text()
    fallback = set(re.findall(r"^    (\w+): \"", script, re.MULTILINE))
    assert fallback == {"launcher", "title", "close", "emergency", "could_not_start"}
    asked = set(re.findall(r'\bt\("(\w+)"', script))
    assert asked <= set(widget.LABELS) | fallback
    assert {name for name in widget.LABELS if f'"{name}"' not in script} == set()


def test_the_widget_script_holds_no_patient_text_but_its_fallback():
    """Its words come from content/widget.yml: none of the English labels is
    written in the script, except the few it needs when the settings cannot be
    fetched."""
    script = SCRIPT.read_text()
    english = loader.load(paths.CONTENT_DIR).widget[languages.ENGLISH]
    fallback = {"launcher", "title", "close", "emergency"}
    written = [k for k, text in english.items() if f'"{text}' in script and k not in fallback]
    assert written == []
