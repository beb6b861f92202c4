"""A short fingerprint of the content files, so the review log can say which
version of the answers a patient got. Staff edits change it; reading the same
files twice gives the same value."""

from __future__ import annotations

import hashlib
from pathlib import Path

LENGTH = 12


def of_folder(content_dir: Path | str) -> str:
    root = Path(content_dir)
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.yml")):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:LENGTH]
