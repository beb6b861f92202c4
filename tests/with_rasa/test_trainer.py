"""The trainer behind "Retrain now" (bot/training/trainer.py) on its failure
paths, with the real gates of `make test` run on the real model, and the rule
that Rasa loads only model files in models/ (bot/rasa/server.py). The
whole way, from the page to a patient's answer, is in
tests/staff/test_staff_training_browser.py."""

import os
import shutil

import pytest
import yaml

from bot import paths, trainings
from bot.content import loader
from bot.rasa.server import allowed_model
from bot.training import train, trainer
from harness.servers import models_copy


@pytest.fixture
def models_dir(tmp_path):
    """A models folder holding the current model, as `make train` left it."""
    return models_copy(tmp_path)


@pytest.fixture
def store(tmp_path, monkeypatch):
    monkeypatch.setenv("HAIP_TRAINING_DIR", str(tmp_path / "training"))
    opened = trainings.TrainingStore()
    yield opened
    opened.close()


def run_one(store, trainer_):
    asked = store.request("editor1")
    trainer_.run(store.claim_next())
    return store.get(asked.id)


def test_a_model_that_fails_a_gate_is_never_put_in_models(store, models_dir, tmp_path):
    before = sorted(p.name for p in models_dir.iterdir())
    # The real gates with a bar no model reaches: the real check fails.
    strict = trainer.Trainer(store, models_dir, gates=("--gates", "--min-accuracy", "0.9999"))
    ended = run_one(store, strict)
    assert ended.state == trainings.FAILED
    assert "did not pass the safety and accuracy check" in ended.message
    assert "is below 100%" in ended.message and "current model keeps answering" in ended.message
    assert sorted(p.name for p in models_dir.iterdir()) == before
    assert store.waiting_to_load() is None
    assert not list((tmp_path / "training").glob("build-*"))  # nothing left behind


def test_content_with_errors_is_not_trained(store, models_dir, tmp_path, monkeypatch):
    broken = tmp_path / "content"
    shutil.copytree(paths.CONTENT_DIR, broken)
    topic = sorted((broken / "topics").glob("*.yml"))[0]
    data = yaml.safe_load(topic.read_text())
    del data["answer"]
    topic.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    monkeypatch.setattr(paths, "CONTENT_DIR", broken)
    ended = run_one(store, trainer.Trainer(store, models_dir))
    assert ended.state == trainings.FAILED and ended.message.startswith("The content has errors")
    assert topic.name in ended.message


def test_the_build_folder_trains_the_model_the_page_asks_for(tmp_path):
    """The page says "retrain" when the content's model is not the live one; the
    trainer must build exactly that model, and the unchanged content the
    current one."""
    content = loader.load(paths.CONTENT_DIR)
    trainer.prepare(tmp_path / "build", content)
    assert train.model_path(tmp_path / "build").name == trainer.model_for(content)
    assert trainer.model_for(content) == train.model_path().name
    topic = next(iter(content.topics.values()))
    object.__setattr__(topic, "examples", (*topic.examples, "a brand new way to ask"))
    assert trainer.model_for(content) != train.model_path().name


def test_progress_follows_rasa_s_own_log_lines():
    line = "2026-11-30 INFO rasa.engine.training.hooks  - Finished training component 'RulePolicy'."
    assert trainer.COMPONENT_DONE.search(line).group(1) == "RulePolicy"
    cached = "INFO rasa.engine.training.hooks  - Restored component 'RulePolicy' from cache."
    assert trainer.COMPONENT_DONE.search(cached).group(1) == "RulePolicy"
    assert not trainer.COMPONENT_DONE.search("Starting to train component 'RulePolicy'.")


def test_progress_counts_the_components_rasa_trains():
    """One "finished" (or "restored") line for each node of Rasa's training graph
    that trains: the progress bar reaches the end of the step with the last one."""
    import rasa.shared.utils.io
    from rasa.engine.recipes.default_recipe import DefaultV1Recipe
    from rasa.shared.data import TrainingType

    config = paths.ROOT / "config.yml"
    schemas = DefaultV1Recipe().graph_config_for_recipe(
        rasa.shared.utils.io.read_model_configuration(config), {}, training_type=TrainingType.BOTH
    )
    trained = [n for n in schemas.train_schema.nodes.values() if n.is_target and not n.is_input]
    assert trainer.trained_components(config) == len(trained)


@pytest.mark.parametrize(
    "body, allowed",
    [
        ({"model_file": "MODEL"}, True),
        ({"model_file": "ABSOLUTE"}, True),
        ({"model_file": "../elsewhere.tar.gz"}, False),
        ({"model_file": "/etc/passwd"}, False),
        ({"model_file": "/tmp/elsewhere.tar.gz"}, False),
        ({"model_file": "missing.tar.gz"}, False),
        ({"model_file": "MODEL", "model_server": {"url": "http://example.org/m"}}, False),
        ({"model_file": "MODEL", "remote_storage": "aws"}, False),
        ({"model_server": {"url": "http://example.org/m"}}, False),
        ({"model_file": ["MODEL"]}, False),
        ("MODEL", False),
        (None, False),
    ],
)
def test_rasa_loads_only_model_files_in_models(body, allowed, models_dir, tmp_path):
    name = next(models_dir.glob("*.tar.gz")).name
    (tmp_path / "elsewhere.tar.gz").write_bytes(b"x")

    def fill(value):
        if isinstance(value, dict):
            return {k: fill(v) for k, v in value.items()}
        if isinstance(value, list):
            return [fill(v) for v in value]
        if value == "MODEL":
            return name
        if value == "ABSOLUTE":
            return str(models_dir / name)
        if value == "/tmp/elsewhere.tar.gz":
            return str(tmp_path / "elsewhere.tar.gz")
        return value

    assert allowed_model(fill(body), models_dir) is allowed


def test_old_models_are_pruned_but_never_the_live_one(tmp_path):
    names = [f"haip-{n:016x}.tar.gz" for n in range(6)]
    for age, name in enumerate(names):
        (tmp_path / name).write_bytes(b"m")
        os.utime(tmp_path / name, (1000 - age, 1000 - age))  # names[0] is the newest
    live, new = tmp_path / names[5], tmp_path / names[0]
    train.prune(tmp_path, new, live)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([names[0], names[1], names[5]])
