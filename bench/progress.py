"""Progress lines of the bench scripts: on stderr, so the figures on stdout stay
clean to pipe, and flushed, as the steps between them take minutes."""

from __future__ import annotations

import sys


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)
