"""The trainer behind the workspace's "Retrain now" (`python -m bot trainer`, a
child of the supervisor): it takes trainings from the queue (bot/trainings.py)
one at a time and, for each:

1. builds the training data from the content, in a build folder of its own
   (never in data/ or models/, which the running assistant and `make` use);
2. trains with Rasa, at low priority (nice 10), so patients' answers come first;
3. runs the release gates of `make test` on the new model (`bot eval --gates`:
   held-out accuracy, red-flag recall, no confident wrong answer);
4. only then moves the model into models/ and marks it passed. The supervisor
   starts it beside the current model and moves traffic to it
   (bot/servers/supervisor.py); a failure at any step leaves the current model
   answering and records why, in words an editor can act on.

Killed at any point, it leaves at most a build folder, which the next training
of the same id replaces; the training goes back in the queue (trainings.recover).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import yaml

from bot import paths, runtimes, settings
from bot.content import loader
from bot.training import build, gates, train
from bot.trainings import CHECKING, Training, TrainingStore

POLL_S = 2.0
NICENESS = 10
# Rasa's own log line, as `rasa train` prints it once for each component it
# trains (or takes from its cache).
COMPONENT_DONE = re.compile(r"(?:Finished training|Restored) component '(\w+)'")
# Progress, in percent, where each step starts and ends: the language model and
# the dialogue policies are one step, as Rasa trains them in one run.
BUILD, TRAIN, GATES = (0, 5), (5, 75), (75, 95)
# The components of config.yml that Rasa does not train, so never report done
# (tests/with_rasa/test_trainer.py checks this against Rasa's own registry). Only for the
# progress bar.
NOT_TRAINED = frozenset(
    {
        "SpacyNLP",
        "SpacyTokenizer",
        "FallbackClassifier",
        "InputGuard",
        "MiniLMFeaturizer",
        "SafetyRouter",
    }
)


def rasa_train_command(folder: Path, name: str) -> list[str]:
    """`rasa train` of a build folder (prepare()), the model written there as name.tar.gz."""
    return train.rasa_command(
        "train",
        "--config",
        str(folder / "config.yml"),
        "--domain",
        str(folder / "domain.yml"),
        "--data",
        str(folder / "data"),
        "--out",
        str(folder),
        "--fixed-model-name",
        name,
    )


class StepFailed(Exception):
    """Why a training failed, for the editor who asked for it."""


def log(message: str) -> None:
    """Steps and outcomes only: never a patient's words or a secret."""
    print(f"trainer: {message}", file=sys.stderr, flush=True)


def build_dir(training: Training) -> Path:
    return settings.path("HAIP_TRAINING_DIR") / f"build-{training.id}"


def prepare(folder: Path, content: loader.Content) -> None:
    """A copy of what Rasa trains on, with the FAQ and red-flag data built from
    the content as it is now; config.yml and domain.yml as the project has them."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    for name in ("config.yml", "domain.yml"):
        shutil.copy2(paths.ROOT / name, folder / name)
    shutil.copytree(paths.ROOT / "data", folder / "data")
    for generated, text in built_data(content).items():
        (folder / generated.relative_to(paths.ROOT)).write_text(text, encoding="utf-8")


def built_data(content: loader.Content) -> dict[Path, str]:
    """The generated training data, as the content would build it now."""
    return {
        paths.FAQ_DATA: build.render_training_data(content),
        paths.RED_FLAG_DATA: build.render_red_flag_data(content),
    }


def model_for(content: loader.Content) -> str:
    """The name of the model the content would train now (models/ names models
    after what they were trained on)."""
    return train.model_name(train.fingerprint(paths.ROOT, built_data(content)))


def _run(command: list[str], on_line: Callable[[str], None], stop: Callable[[], bool]) -> int:
    """A child process whose output (stdout and stderr, tqdm's \\r lines too) is
    read line by line. It stays in the trainer's process group, so the
    supervisor's stop or kill of the trainer reaches it too."""
    process = subprocess.Popen(
        command,
        cwd=paths.ROOT,  # config.yml names the spaCy pipeline relative to the project
        env={**os.environ, **settings.Settings.from_env().rasa_environment()},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
    )
    buffer = b""
    try:
        while chunk := process.stdout.read1(4096):
            buffer += chunk
            *lines, buffer = re.split(rb"[\r\n]", buffer)
            for line in lines:
                on_line(line.decode(errors="replace"))
            if stop():
                break
        if stop():
            process.kill()
        return process.wait()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


class Trainer:
    def __init__(
        self,
        store: TrainingStore,
        models_dir: Path = paths.MODELS_DIR,
        # Not the wild set: it scores the project's own content, and a clinic's
        # edited content answers it differently (`make test` runs it).
        gates: tuple[str, ...] = ("--gates", "--no-wild"),
    ):
        self.store = store
        self.models_dir = models_dir
        self.gates = gates  # `bot eval` options: the release gates
        self.stopping = False
        self._shown: tuple[str, int] | None = None

    def request_stop(self, signum=None, frame=None) -> None:
        self.stopping = True

    def run_forever(self) -> None:
        for training in self.store.recover():
            log(f"training {training.id} was cut short; starting it again")
        while not self.stopping:
            training = self.store.claim_next()
            if training is None:
                time.sleep(POLL_S)
                continue
            self.run(training)

    def run(self, training: Training) -> None:
        folder = build_dir(training)
        log(f"training {training.id} started")
        try:
            model, summary = self._train_and_check(training, folder)
        except StepFailed as failure:
            if not self.stopping:  # stopped: recover() takes it up at the next start
                self.store.failed(training.id, str(failure))
                log(f"training {training.id} failed")
            return
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        self.store.passed(training.id, model, summary)
        log(f"training {training.id} passed its gates: {model}")

    def _train_and_check(self, training: Training, folder: Path) -> tuple[str, str]:
        self.store.progress(training.id, "Building the training data", BUILD[0])
        content = loader.load(paths.CONTENT_DIR)
        if content.errors:
            raise StepFailed(
                "The content has errors, so nothing was trained. Fix them first: "
                + "; ".join(str(e) for e in content.errors[:3])
            )
        prepare(folder, content)
        name = train.model_path(folder, self.models_dir).name
        if (self.models_dir / name).exists():
            # Trained before (by `make run`, say): checked all the same.
            return name, self._check(training, self.models_dir / name, folder)
        self._train(training, folder, name)
        summary = self._check(training, folder / name, folder)
        self.models_dir.mkdir(parents=True, exist_ok=True)
        # The last step: only a model that passed is ever put in models/.
        staged = self.models_dir / f".{name}.partial"
        shutil.copyfile(folder / name, staged)
        os.replace(staged, self.models_dir / name)
        live = self.store.live_model() or name
        train.prune(self.models_dir, self.models_dir / name, self.models_dir / live)
        return name, summary

    def _train(self, training: Training, folder: Path, name: str) -> None:
        done: list[str] = []
        step = "Training the language model"
        total = trained_components(folder / "config.yml")

        def on_line(line: str) -> None:
            if match := COMPONENT_DONE.search(line):
                done.append(match.group(1))
                self._progress(training, step, TRAIN, min(len(done), total) / total)

        self._progress(training, step, TRAIN, 0)
        code = _run(
            rasa_train_command(folder, name.removesuffix(".tar.gz")),
            on_line,
            lambda: self.stopping,
        )
        if code or not (folder / name).exists():
            raise StepFailed(
                f"Training stopped with an error (exit code {code}). The current model "
                "keeps answering; the trainer's log has the details."
            )

    def _check(self, training: Training, model: Path, folder: Path) -> str:
        self._progress(training, "Checking the new model (safety and accuracy)", GATES, 0, CHECKING)
        report = folder / "eval.json"
        failures: list[str] = []

        def on_line(line: str) -> None:
            if line.startswith("FAILED: "):
                failures.append(line.removeprefix("FAILED: "))

        code = _run(
            [
                runtimes.python(runtimes.RASA),
                "-m",
                "bot",
                "eval",
                "--model",
                str(model),
                *self.gates,
                "--json",
                str(report),
            ],
            on_line,
            lambda: self.stopping,
        )
        if code or not report.exists():
            why = " ".join(failures) or f"the check stopped with exit code {code}."
            raise StepFailed(
                f"The new model did not pass the safety and accuracy check: {why} "
                "The current model keeps answering."
            )
        return describe_gates(json.loads(report.read_text()))

    def _progress(
        self, training: Training, step: str, span: tuple[int, int], share: float, state=None
    ) -> None:
        percent = round(span[0] + (span[1] - span[0]) * share)
        if self._shown == (step, percent):  # tqdm repeats a line many times
            return
        self._shown = (step, percent)
        if state:
            self.store.progress(training.id, step, percent, state)
        else:
            self.store.progress(training.id, step, percent)


def component_names(config: Path) -> list[str]:
    """The class names of a Rasa config's pipeline components and policies."""
    data = yaml.safe_load(config.read_text(encoding="utf-8")) or {}
    parts = (data.get("pipeline") or []) + (data.get("policies") or [])
    return [str(part["name"]).rsplit(".", 1)[-1] for part in parts]


def trained_components(config: Path) -> int:
    """How many "finished" lines a `rasa train` of this config prints."""
    return max(1, sum(name not in NOT_TRAINED for name in component_names(config)))


def describe_gates(result: dict) -> str:
    flags = result["red_flags"]
    return (
        f"Accuracy {result['accuracy']:.1%} on questions it never saw "
        f"(at least {gates.RELEASE_MIN_ACCURACY:.0%} needed); "
        f"urgent messages recognised: {flags['urgent_phrasings'] - len(flags['missed'])} "
        f"of {flags['urgent_phrasings']}; confident wrong answers: "
        f"{len(result['confident_wrong'])}."
    )


def main() -> int:
    os.nice(NICENESS)
    trainer = Trainer(TrainingStore())
    signal.signal(signal.SIGTERM, trainer.request_stop)
    signal.signal(signal.SIGINT, trainer.request_stop)
    trainer.run_forever()
    return 0
