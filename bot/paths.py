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
# What the gates measure a model on (`bot eval`, the stories, "Retrain now"):
# phrasings and conversations never used in training. Production data, so not
# under tests/.
EVAL_DIR = ROOT / "eval"
NLU_TEST_SET = EVAL_DIR / "nlu" / "test_nlu.yml"
NLU_TEST_SET_ES = EVAL_DIR / "nlu" / "test_nlu_es.yml"
RED_FLAG_TEST_SETS = EVAL_DIR / "red_flags"
TEST_STORIES = EVAL_DIR / "stories"
WILD_SET = EVAL_DIR / "wild" / "questions.yml"
WILD_SET_ES = EVAL_DIR / "wild_es" / "questions.yml"


def reminders_db() -> Path:
    """Read when used, so a test or `make run` can point it elsewhere."""
    return settings.path("HAIP_REMINDERS_DB")
