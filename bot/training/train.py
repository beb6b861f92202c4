"""Train a Rasa model only when its inputs changed.

The model file is named after a hash of everything Rasa trains on (config,
domain, data/ including the generated FAQ data, and the Rasa version), so
"is the model current?" is a file-exists check and needs no Rasa start-up.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

from bot import paths

KEEP_MODELS = 3
# The project's files, for every Rasa command that reads them.
RASA_PROJECT_ARGS = ("--config", "config.yml", "--domain", "domain.yml", "--data", "data")


def training_inputs(root: Path = paths.ROOT) -> list[Path]:
    files = [root / "config.yml", root / "domain.yml"]
    files += sorted((root / "data").rglob("*.yml"))
    return files


def fingerprint(root: Path = paths.ROOT) -> str:
    digest = hashlib.sha256(f"rasa {version('rasa')}\n".encode())
    for path in training_inputs(root):
        digest.update(str(path.relative_to(root)).encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def model_path(root: Path = paths.ROOT, models_dir: Path = paths.MODELS_DIR) -> Path:
    return models_dir / f"haip-{fingerprint(root)}.tar.gz"


def ensure_model(root: Path = paths.ROOT, models_dir: Path = paths.MODELS_DIR) -> Path:
    """Return the current model, training it first if there is none yet."""
    target = model_path(root, models_dir)
    if target.exists():
        print(f"Model is up to date: {target.name}")
        return target
    print(f"Training data, domain or config changed: training {target.name} ...", flush=True)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "rasa",
            "train",
            *RASA_PROJECT_ARGS,
            "--out",
            str(models_dir),
            "--fixed-model-name",
            target.name.removesuffix(".tar.gz"),
        ],
        cwd=root,
        check=True,
    )
    _prune(models_dir, keep=target)
    return target


def _prune(models_dir: Path, keep: Path) -> None:
    models = sorted(models_dir.glob("haip-*.tar.gz"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in [m for m in models if m != keep][KEEP_MODELS - 1 :]:
        old.unlink()
