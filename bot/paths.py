"""Where things live in the project. The places a clinic may move (content,
models, databases) are settings (bot/settings.py)."""

from __future__ import annotations

from pathlib import Path

from bot import settings

ROOT = settings.ROOT
CONTENT_DIR = settings.path("HAIP_CONTENT_DIR")
MODELS_DIR = settings.path("HAIP_MODELS_DIR")
FAQ_DATA = ROOT / "data" / "nlu" / "faq.yml"
RED_FLAG_DATA = ROOT / "data" / "nlu" / "red_flags.yml"
# The held-out evaluation sets: phrasings never used in training.
NLU_TEST_SET = ROOT / "tests" / "nlu" / "test_nlu.yml"
RED_FLAG_TEST_SETS = ROOT / "tests" / "red_flags"


def reminders_db() -> Path:
    """Read when used, so a test or `make run` can point it elsewhere."""
    return settings.path("HAIP_REMINDERS_DB")
