import shutil

import yaml

from bot import intents
from bot.content import loader
from bot.training import build, train
from tests.conftest import edit_yaml


def test_training_data_has_every_topic_and_example():
    loaded = loader.load_valid("content")
    data = yaml.safe_load(build.render_training_data(loaded))
    by_intent = {item["intent"]: item["examples"] for item in data["nlu"]}
    assert set(by_intent) == {f"faq/{t}" for t in loaded.topics}
    for topic in loaded.topics.values():
        lines = [line[2:] for line in by_intent[f"faq/{topic.id}"].splitlines()]
        assert lines == list(topic.examples)
    assert set(data["responses"]) == {f"utter_faq/{t}" for t in loaded.topics}


def test_rasa_reads_the_generated_data_as_retrieval_intents(tmp_path):
    from rasa.shared.nlu.training_data.loading import load_data

    loaded = loader.load_valid("content")
    out = tmp_path / "faq.yml"
    build.write_training_data(loaded, out)
    data = load_data(str(out))
    keys = {m.get("intent_response_key") for m in data.intent_examples}
    assert keys == {f"faq/{t}" for t in loaded.topics}
    assert sum(len(t.examples) for t in loaded.topics.values()) == len(data.intent_examples)


def test_answers_are_not_copied_into_training_data():
    loaded = loader.load_valid("content")
    generated = build.render_training_data(loaded)
    for topic in loaded.topics.values():
        assert topic.answer[:40] not in generated


def _project_copy(tmp_path):
    root = tmp_path / "project"
    root.mkdir()
    for name in ("config.yml", "domain.yml"):
        shutil.copy(name, root / name)
    shutil.copytree("data", root / "data", ignore=shutil.ignore_patterns("faq.yml"))
    shutil.copytree("content", root / "content")
    return root


def _build(root):
    loaded = loader.load_valid(root / "content")
    build.write_training_data(loaded, root / "data/nlu/faq.yml")
    return train.fingerprint(root)


def test_answer_edit_needs_no_retraining_but_an_example_edit_does(tmp_path):
    root = _project_copy(tmp_path)
    first = _build(root)
    edit_yaml(
        root / "content/topics/hospital_stay.yml",
        lambda d: d.update(answer="A new answer about the stay."),
    )
    assert _build(root) == first
    edit_yaml(
        root / "content/topics/hospital_stay.yml",
        lambda d: d["examples"].append("how many days am i stuck in the ward"),
    )
    assert _build(root) != first


def test_write_only_when_changed(tmp_path):
    loaded = loader.load_valid("content")
    out = tmp_path / "faq.yml"
    assert build.write_training_data(loaded, out) is True
    assert build.write_training_data(loaded, out) is False


def test_response_key_round_trip():
    assert intents.topic_from_response_key(intents.response_key("refills")) == "refills"
    assert intents.topic_from_response_key("greet") is None
    assert intents.topic_from_response_key(None) is None
