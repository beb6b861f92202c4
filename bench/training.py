"""Training times: `rasa train` of a build folder, as the workspace's trainer runs
it (bot/training/trainer.py), first with an empty Rasa cache (a full training),
then again after one example question changed (what Rasa's cache saves)."""

from __future__ import annotations

import os
import re
import subprocess
import time
from pathlib import Path

from bot import paths, settings
from bot.content import loader
from bot.training import trainer

COMPONENT = re.compile(r"(Finished training|Restored) component '(\w+)'")


def rasa_train(folder: Path, name: str, cache: Path) -> dict:
    command = trainer.rasa_train_command(folder, name)
    env = {
        **os.environ,
        **settings.Settings.from_env().rasa_environment(),
        "RASA_CACHE_DIRECTORY": str(cache),
    }
    started = time.monotonic()
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
    }


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
