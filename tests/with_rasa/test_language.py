"""Which language a message is written in (bot/nlu/language.py)."""

import re

import pytest
import yaml

from bot import paths
from bot.content import loader
from bot.nlu import input_checks, language


@pytest.mark.parametrize(
    "text, code",
    [
        ("tengo fiebre y escalofríos desde ayer", "es"),
        ("tengo fiebre y escalofrios desde ayer", "es"),
        ("me salió una rojez donde está la bomba", "es"),
        ("tengo fever", "es"),
        ("hola", "es"),
        ("I have a fever", "en"),
        ("Hi, how long does a refill take?", "en"),
        ("j'ai de la fièvre depuis hier", "fr"),
        ("ich habe Fieber seit gestern", "de"),
        ("estou com febre desde ontem", "pt"),
        ("ho la febbre da ieri", "it"),
        ("may lagnat ako mula kahapon", "tl"),
        ("tôi bị sốt từ hôm qua", "vi"),
        ("我发烧了", "zh"),
        ("熱があります", "ja"),
        ("열이 나요", "ko"),
        ("у меня температура", "ru"),
        ("عندي حمى", "ar"),
        ("fiebre", None),
        ("stop", None),
        ("ok", "en"),
    ],
)
def test_a_message_s_language(text, code):
    assert language.detect(text) == code


def _examples(path):
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    for block in data.get("nlu", []):
        if "examples" in block and not (block.get("metadata") or {}).get("language"):
            for line in block["examples"].splitlines():
                if line.startswith("- "):
                    yield block["intent"], re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", line[2:])


def test_no_english_example_or_held_out_question_reads_as_another_language():
    files = [
        *sorted((paths.ROOT / "data" / "nlu").glob("*.yml")),
        paths.NLU_TEST_SET,
    ]
    english = [text for f in files for _, text in _examples(f)]
    assert len(english) > 1500
    other = [t for t in english if input_checks.is_other_language(t)]
    assert other == []


def test_most_spanish_examples_read_as_spanish_and_none_as_another_language():
    content = loader.load_valid(paths.CONTENT_DIR)
    spanish = [e for t in content.topics.values() for e in t.translated_examples["es"]]
    found = [language.detect(e) for e in spanish]
    assert found.count("es") / len(found) > 0.9
    # Spanglish ("el pump me va a enfermar?") may read as another language, rarely.
    assert sum(code not in ("es", None) for code in found) / len(found) < 0.01
