"""Train a Rasa model only when its inputs changed.

The model file is named after a hash of everything Rasa trains on (config,
domain, data/ including the generated FAQ data, the Rasa version that
requirements/rasa.lock pins, which bot/rasa checks is the one running, and the
Python it runs on), so "is the model current?" is a file-exists check that needs
neither Rasa nor its start-up.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
from collections.abc import Mapping
from pathlib import Path

from bot import paths, pins, runtimes
from bot.settings import Settings

KEEP_MODELS = 3
# The project's files, for every Rasa command that reads them.
RASA_PROJECT_ARGS = ("--config", "config.yml", "--domain", "domain.yml", "--data", "data")


def rasa_command(*args: str) -> list[str]:
    """One of Rasa's own commands (train, data validate, test), run through our
    Rasa package: the version checked and our replacements installed first."""
    return [runtimes.python(runtimes.RASA), "-m", "bot.rasa", *args]


def rasa(*args: str, root: Path = paths.ROOT) -> int:
    """rasa_command(*args), with the settings that endpoints.yml and
    credentials.yml read; its exit code."""
    env = {**os.environ, **Settings.from_env().rasa_environment()}
    return subprocess.run(rasa_command(*args), cwd=root, env=env).returncode


def test_stories(model: Path) -> int:
    """Rasa's test stories (eval/stories/), failing on any wrong prediction."""
    return rasa(
        "test",
        "core",
        "--model",
        str(model),
        "--stories",
        str(paths.TEST_STORIES),
        "--fail-on-prediction-errors",
        "--out",
        "results/stories",
    )


def training_inputs(root: Path = paths.ROOT) -> list[Path]:
    files = [root / "config.yml", root / "domain.yml"]
    files += sorted((root / "data").rglob("*.yml"))
    return files


def fingerprint(root: Path = paths.ROOT, built: Mapping[Path, str] | None = None) -> str:
    """A hash of what Rasa trains on; `built` gives the text of generated files
    (data/nlu/faq.yml ...) as they would be built now, in place of the files."""
    built = dict(built or {})
    files = training_inputs(root)
    files = files[:2] + sorted(set(files[2:]) | set(built))
    rasa = f"rasa {pins.pinned('rasa')} python {runtimes.version(runtimes.RASA)}"
    digest = hashlib.sha256(f"{rasa}\n".encode())
    for path in files:
        text = built[path].encode() if path in built else path.read_bytes()
        digest.update(str(path.relative_to(root)).encode() + b"\0")
        digest.update(text + b"\0")
    return digest.hexdigest()[:16]


def model_name(fingerprint_: str) -> str:
    return f"haip-{fingerprint_}.tar.gz"


def model_path(root: Path = paths.ROOT, models_dir: Path = paths.MODELS_DIR) -> Path:
    return models_dir / model_name(fingerprint(root))


def ensure_model(root: Path = paths.ROOT, models_dir: Path = paths.MODELS_DIR) -> Path:
    """Return the current model, training it first if there is none yet."""
    target = model_path(root, models_dir)
    if target.exists():
        print(f"Model is up to date: {target.name}")
        return target
    print(f"Training data, domain or config changed: training {target.name} ...", flush=True)
    code = rasa(
        "train",
        *RASA_PROJECT_ARGS,
        "--out",
        str(models_dir),
        "--fixed-model-name",
        target.name.removesuffix(".tar.gz"),
        root=root,
    )
    if code:
        raise subprocess.CalledProcessError(code, "rasa train")
    prune(models_dir, target)
    return target


def prune(models_dir: Path, *keep: Path) -> None:
    """Keeps the models in `keep`, and the newest others up to KEEP_MODELS in all."""
    models = sorted(models_dir.glob("haip-*.tar.gz"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in [m for m in models if m not in keep][max(0, KEEP_MODELS - len(keep)) :]:
        old.unlink(missing_ok=True)
