"""Where things live in the project, overridable from the environment."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _path(env: str, default: Path) -> Path:
    return Path(os.environ[env]).resolve() if os.environ.get(env) else default


CONTENT_DIR = _path("HAIP_CONTENT_DIR", ROOT / "content")
FAQ_DATA = ROOT / "data" / "nlu" / "faq.yml"
RED_FLAG_DATA = ROOT / "data" / "nlu" / "red_flags.yml"
MODELS_DIR = _path("HAIP_MODELS_DIR", ROOT / "models")
VAR_DIR = _path("HAIP_VAR_DIR", ROOT / "var")


def reminders_db() -> Path:
    """Read when used, so a test or `make run` can point it elsewhere."""
    return _path("HAIP_REMINDERS_DB", VAR_DIR / "reminders.db")
