"""Training times: `rasa train` of a build folder, as the workspace's trainer runs
it (bot/training/trainer.py), first with an empty Rasa cache (a full training),
then again after one example question changed (what Rasa's cache saves)."""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import time
from pathlib import Path

from bot import paths, settings
from bot.content import loader
from bot.training import trainer

COMPONENT = re.compile(r"(Finished training|Restored) component '(\w+)'")
# Rasa's log lines start with their time, to the second: enough to say where a
# training's minute goes.
STEP = re.compile(
    r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)\S*\s.*?"
    r"(Starting to train|Finished training) component '(\w+)'",
    re.MULTILINE,
)


def where_the_time_went(log: str, started: dt.datetime, ended: dt.datetime) -> dict:
    """From a `rasa train` log, seconds: before the first component started
    training (Rasa's start, reading and validating the data, building the graph);
    each component's training (summed over components of one class); between
    components (the graph's other steps, such as featurizing every example,
    which Rasa logs nothing for); and after the last (packing the model)."""
    steps = [
        (dt.datetime.fromisoformat(when), what, name) for when, what, name in STEP.findall(log)
    ]
    if not steps:
        return {}
    components: dict[str, float] = {}
    begun: dict[str, dt.datetime] = {}
    between, last_finish = 0.0, None
    for when, what, name in steps:
        if what.startswith("Starting"):
            if last_finish is not None:
                between += (when - last_finish).total_seconds()
            begun[name] = when
        elif name in begun:
            seconds = (when - begun.pop(name)).total_seconds()
            components[name] = round(components.get(name, 0) + seconds, 1)
            last_finish = when
    return {
        "before_first_component_s": round((steps[0][0] - started).total_seconds(), 1),
        "components_s": dict(sorted(components.items(), key=lambda kv: -kv[1])),
        "between_components_s": round(between, 1),
        "after_last_component_s": round((ended - steps[-1][0]).total_seconds(), 1),
    }


def rasa_train(folder: Path, name: str, cache: Path) -> dict:
    command = trainer.rasa_train_command(folder, name)
    env = {
        **os.environ,
        **settings.Settings.from_env().rasa_environment(),
        "RASA_CACHE_DIRECTORY": str(cache),
    }
    started, wall = time.monotonic(), dt.datetime.now().replace(microsecond=0)
    # cwd: config.yml names the spaCy pipeline relative to the project.
    done = subprocess.run(
        command, cwd=paths.ROOT, env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL
    )
    took = time.monotonic() - started
    if done.returncode or not (folder / f"{name}.tar.gz").exists():
        raise RuntimeError(f"rasa train failed ({done.returncode}):\n{done.stdout[-2000:]}")
    components = COMPONENT.findall(done.stdout + done.stderr)
    return {
        "seconds": round(took, 1),
        "trained": sorted({c for how, c in components if how.startswith("Finished")}),
        "restored": sorted({c for how, c in components if how == "Restored"}),
        **where_the_time_went(done.stdout + done.stderr, wall, wall + dt.timedelta(seconds=took)),
    }


def summary(figures: dict) -> str:
    """where_the_time_went's figures on one line, the largest components first."""
    if "components_s" not in figures:
        return ""
    top = list(figures["components_s"].items())[:3]
    return ", ".join(
        [f"Rasa before the first component {figures['before_first_component_s']}"]
        + [f"{name} {seconds}" for name, seconds in top]
        + [
            f"between components {figures['between_components_s']}",
            f"after the last {figures['after_last_component_s']}",
        ]
    )


def change_one_example(folder: Path) -> str:
    """Adds a word to the first example of the generated FAQ data."""
    faq = folder / paths.FAQ_DATA.relative_to(paths.ROOT)
    lines = faq.read_text(encoding="utf-8").splitlines(keepends=True)
    for n, line in enumerate(lines[1:], start=1):
        if lines[n - 1].strip() == "examples: |" and line.lstrip().startswith("- "):
            lines[n] = line.rstrip("\n") + " please\n"
            faq.write_text("".join(lines), encoding="utf-8")
            return lines[n].strip()
    raise RuntimeError(f"no example found in {faq}")


def measure(root: Path, content_dir: Path) -> dict:
    content = loader.load(content_dir)
    if content.errors:
        raise RuntimeError(f"the content has errors: {content.errors[:3]}")
    folder = root / "build"
    trainer.prepare(folder, content)
    cache = root / "rasa-cache"  # empty: nothing from an earlier training
    full = rasa_train(folder, "full", cache)
    changed = change_one_example(folder)
    incremental = rasa_train(folder, "incremental", cache)
    return {"full": full, "incremental": {**incremental, "changed_example": changed}}
