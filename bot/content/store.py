"""Content as the running assistant sees it: reread when a file changes.

Staff edit content/ while the servers run. The store notices a change by file
times and sizes, so the next answer uses the new text without a restart. If an
edit breaks a file, the store keeps the last good content and logs the exact
problem, rather than leaving patients with no answer.
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path

from bot.content import loader, version
from bot.content.loader import Content, ContentError

logger = logging.getLogger(__name__)


class ContentStore:
    def __init__(self, content_dir: Path | str):
        self.content_dir = Path(content_dir)
        self._lock = threading.Lock()
        self._signature: tuple | None = None
        self._content: Content | None = None
        # The fingerprint of the content being served (bot/content/version.py).
        self.version = ""

    def _current_signature(self) -> tuple:
        """Every .yml file under content/ (as rglob("*.yml") finds them: symlinked
        folders are not entered) with its time and size. Taken on every get(),
        several times per message in the action server: os.walk and one stat a
        file, where rglob and two Path.stat() calls were 40% of its CPU time
        (bench/profile.py)."""
        found = []
        for folder, dirs, files in os.walk(self.content_dir):
            for name in (*dirs, *files):
                if name.endswith(".yml"):
                    path = os.path.join(folder, name)
                    stat = os.stat(path)
                    found.append((path, stat.st_mtime_ns, stat.st_size))
        return tuple(sorted(found))

    def get(self) -> Content:
        """The newest valid content; ContentError if there has never been any."""
        with self._lock:
            signature = self._current_signature()
            if signature != self._signature:
                self._signature = signature
                loaded = loader.load(self.content_dir)
                if loaded.errors:
                    for problem in loaded.errors:
                        logger.error("Content not reloaded: %s", problem)
                    if self._content is None:
                        raise ContentError(loaded.errors)
                else:
                    self._content = loaded
                    self.version = version.of_folder(self.content_dir)
            if self._content is None:
                raise ContentError([])
            return self._content
