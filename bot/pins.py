"""The versions requirements/rasa.lock pins, read as text: the one place that says
which Rasa the project runs, for processes where Rasa may not be installed (the
staff workspace names the model a content would train; bot/rasa refuses to start
on any other Rasa)."""

from __future__ import annotations

import re
from pathlib import Path

from bot import paths

LOCK_FILE = paths.ROOT / "requirements" / "rasa.lock"


class NotPinned(ValueError):
    pass


def pinned(package: str, lock_file: Path = LOCK_FILE) -> str:
    text = lock_file.read_text(encoding="utf-8")
    found = re.search(rf"^{re.escape(package)}==(\S+)", text, re.MULTILINE)
    if not found:
        raise NotPinned(f"{lock_file} pins no version of {package}")
    return found.group(1)


def normalised(distribution: str) -> str:
    """A distribution's name as lock files and installers compare them (PEP 503)."""
    return re.sub(r"[-_.]+", "-", distribution).lower()


def names(lock_file: Path = LOCK_FILE) -> set[str]:
    """Every distribution a lock file pins, normalised."""
    text = lock_file.read_text(encoding="utf-8")
    return {normalised(m) for m in re.findall(r"^([A-Za-z0-9_.-]+)==", text, re.MULTILINE)}
