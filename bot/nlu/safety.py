"""Red-flag detection as the running assistant uses it: the matcher is built
from the current content/red_flags.yml and rebuilt when staff edit it."""

from __future__ import annotations

import threading

from bot import paths
from bot.content.store import ContentStore
from bot.nlu import spacy_pipeline
from bot.nlu.red_flag_matcher import Detection, RedFlagMatcher

_store = ContentStore(paths.CONTENT_DIR)
_lock = threading.Lock()
_built_for: object | None = None
_matcher: RedFlagMatcher | None = None
_nlp = None


def matcher() -> RedFlagMatcher:
    global _built_for, _matcher, _nlp
    red_flags = _store.get().red_flags
    with _lock:
        if _matcher is None or red_flags is not _built_for:
            _nlp = _nlp or spacy_pipeline.load()
            _matcher = RedFlagMatcher(_nlp, red_flags)
            _built_for = red_flags
        return _matcher


def detect(text: str) -> Detection:
    return matcher().detect(text)
