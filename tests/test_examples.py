"""A nurse's missed question becomes one more example of its topic in content/."""

import shutil
import threading

import pytest
import yaml

from bot import paths
from bot.content import examples, loader


@pytest.fixture
def content(tmp_path):
    shutil.copytree(paths.CONTENT_DIR, tmp_path / "content")
    return tmp_path / "content"


def examples_of(content, topic):
    return list(loader.load(content).topics[topic].examples)


def test_the_question_is_appended_and_the_file_keeps_its_layout(content):
    path = content / "topics" / "hospital_stay.yml"
    before = path.read_text()
    examples.add(content, "hospital_stay", "  how many   nights do ppl stay?: [x] #1 ")
    after = path.read_text()
    assert examples_of(content, "hospital_stay")[-1] == "how many nights do ppl stay?: [x] #1"
    assert after.startswith(before.split("examples:")[0])  # everything above is unchanged
    assert yaml.safe_load(after)["follow_ups"] == yaml.safe_load(before)["follow_ups"]
    assert not loader.load(content).errors


@pytest.mark.parametrize(
    ("topic", "question", "why"),
    [
        ("no_such_topic", "a question", "no topic"),
        ("hospital_stay", "   ", "empty"),
        ("hospital_stay", "x" * 301, "longer than"),
        ("hospital_stay", "HOW LONG IS THE HOSPITAL STAY", "already has"),
    ],
)
def test_what_cannot_be_added_changes_nothing(content, topic, question, why):
    before = {p: p.read_bytes() for p in content.rglob("*.yml")}
    with pytest.raises(examples.ExampleError, match=why):
        examples.add(content, topic, question)
    assert {p: p.read_bytes() for p in content.rglob("*.yml")} == before


def test_two_staff_adding_at_once_both_keep_their_question(content):
    words = [f"question number {n} about the stay" for n in range(8)]
    threads = [
        threading.Thread(target=examples.add, args=(content, "hospital_stay", w)) for w in words
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert set(words) <= set(examples_of(content, "hospital_stay"))
    assert not list(content.rglob("*.tmp"))
