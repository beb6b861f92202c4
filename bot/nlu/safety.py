"""Red-flag detection as the running assistant uses it: one matcher for each
language content/red_flags.yml is written in, built from the current file and
rebuilt when staff edit it. Every message is read by all of them: a patient
who writes "tengo fever" or "me salió una rojez donde está la bomba" mixes two."""

from __future__ import annotations

import threading

from bot import paths
from bot.content.store import ContentStore
from bot.nlu import spacy_pipeline
from bot.nlu.red_flag_matcher import Detection, RedFlagMatcher

_store = ContentStore(paths.CONTENT_DIR)
_lock = threading.Lock()
_built_for: object | None = None
_matchers: tuple[RedFlagMatcher, ...] = ()
_pipelines: dict[str, object] = {}


def _pipeline(language: str):
    if language not in _pipelines:
        if language == "en":
            _pipelines[language] = spacy_pipeline.load()
        else:
            import spacy

            _pipelines[language] = spacy.blank(language)
    return _pipelines[language]


def matchers() -> tuple[RedFlagMatcher, ...]:
    global _built_for, _matchers
    red_flags = _store.get().red_flags
    with _lock:
        if not _matchers or red_flags is not _built_for:
            _matchers = tuple(
                RedFlagMatcher(_pipeline(language), red_flags, language)
                for language in red_flags.languages
            )
            _built_for = red_flags
        return _matchers


def matcher() -> RedFlagMatcher:
    """The English matcher (its red_flags are every language's)."""
    return matchers()[0]


def detect(text: str) -> Detection:
    found = Detection(())
    for each in matchers():
        found += each.detect(text)
    return found


def says_it_is_over(text: str, language: str) -> bool:
    """Whether a message in `language` negates something or says it is over."""
    found = [m for m in matchers() if m.language == language]
    return bool(found) and found[0].says_it_is_over(text)
