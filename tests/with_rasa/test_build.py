import shutil

import yaml

from bot import intents
from bot.content import loader
from bot.training import build, train
from tests.conftest import edit_yaml


def test_training_data_has_every_topic_and_example():
    loaded = loader.load_valid("content")
    data = yaml.safe_load(build.render_training_data(loaded))
    by_intent = {
        (item["intent"], (item.get("metadata") or {}).get("language", "en")): item["examples"]
        for item in data["nlu"]
    }
    assert {intent for intent, _ in by_intent} == {f"faq/{t}" for t in loaded.topics}
    for topic in loaded.topics.values():
        lines = [line[2:] for line in by_intent[(f"faq/{topic.id}", "en")].splitlines()]
        # A belief's questions are for the retrieval only (the responses, below).
        assert lines == list(topic.examples)
        # Each other language's examples in a block of their own, marked.
        for language, examples in topic.translated_examples.items():
            block = by_intent[(f"faq/{topic.id}", language)]
            assert [line[2:] for line in block.splitlines()] == list(examples)
    assert set(data["responses"]) == {f"utter_faq/{t}" for t in loaded.topics}


def test_rasa_reads_the_generated_data_as_retrieval_intents(tmp_path):
    from rasa.shared.nlu.training_data.loading import load_data

    loaded = loader.load_valid("content")
    out = tmp_path / "faq.yml"
    build.write_training_data(loaded, out)
    data = load_data(str(out))
    keys = {m.get("intent_response_key") for m in data.intent_examples}
    assert keys == {f"faq/{t}" for t in loaded.topics}
    english = [m for m in data.intent_examples if not (m.get("metadata") or {}).get("intent")]
    spanish = [
        m
        for m in data.intent_examples
        if ((m.get("metadata") or {}).get("intent") or {}).get("language") == "es"
    ]
    assert sum(len(t.examples) for t in loaded.topics.values()) == len(english)
    assert sum(len(t.translated_examples["es"]) for t in loaded.topics.values()) == len(spanish)
    assert len(english) + len(spanish) == len(data.intent_examples)


def test_each_topic_s_title_and_answer_are_in_the_data_for_retrieval(tmp_path):
    from rasa.shared.nlu.training_data.loading import load_data

    from bot.content import answers

    loaded = loader.load_valid("content")
    out = tmp_path / "faq.yml"
    build.write_training_data(loaded, out)
    responses = load_data(str(out)).responses
    for topic in loaded.topics.values():
        texts = [r["text"] for r in responses[f"utter_faq/{topic.id}"]]
        # As the clinic's patients read it: their pump type, placeholders filled.
        assert texts[:2] == [loaded.render(topic.title), answers.body(loaded, topic)]
        assert "{" not in texts[1]
        beliefs = [r for r in responses[f"utter_faq/{topic.id}"] if "myth" in r.get("custom", {})]
        assert [(r["text"], r["custom"]) for r in beliefs] == [
            (m.belief, {"myth": i, "examples": list(m.examples)}) for i, m in enumerate(topic.myths)
        ]
        # The Spanish title and answer, marked, for the Spanish retrieval by letters.
        spanish = [
            r["text"]
            for r in responses[f"utter_faq/{topic.id}"]
            if r.get("custom") == {"language": "es"}
        ]
        translation = topic.translations["es"]
        answer = translation.answer_for(loaded.clinic.get("pump_type"))
        assert spanish == [loaded.render(t, "es") for t in (translation.title, answer)]
        assert "{" not in spanish[1]


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


def test_answer_and_example_edits_each_make_a_new_model(tmp_path):
    # The retrieval reads the answers' sentences, so an answer edit retrains it
    # (patients read the edited answer at once: it comes from content/).
    root = _project_copy(tmp_path)
    first = _build(root)
    edit_yaml(
        root / "content/topics/hospital_stay.yml",
        lambda d: d.update(answer="A new answer about the stay."),
    )
    second = _build(root)
    assert second != first
    edit_yaml(
        root / "content/topics/hospital_stay.yml",
        lambda d: d["examples"].append("how many days am i stuck in the ward"),
    )
    assert _build(root) not in (first, second)


def test_write_only_when_changed(tmp_path):
    loaded = loader.load_valid("content")
    out = tmp_path / "faq.yml"
    assert build.write_training_data(loaded, out) is True
    assert build.write_training_data(loaded, out) is False


def test_response_key_round_trip():
    assert intents.topic_from_response_key(intents.response_key("refills")) == "refills"
    assert intents.topic_from_response_key("greet") is None
    assert intents.topic_from_response_key(None) is None
