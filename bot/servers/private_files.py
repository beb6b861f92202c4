"""Files that hold patient messages, contacts or staff sessions are for the
assistant's own user only: files 0600, folders 0700 (the owner's rights only).

Any local user could otherwise read the databases: conversations, reminder
contacts, and the staff workspace's sessions, whose keys are as good as a
signed-in nurse's cookie. The supervisor sets the umask before it makes var/ or
starts a child, so that everything made from then on is private; files made by
an earlier version (0644 under 0755) are fixed on start. systemd units set
`UMask=0077` for the same reason (deploy/scale-out/systemd/).

Only the assistant's own places are changed: the data folder var/ with all it
holds, and the files and folders the settings name wherever they are (a SQLite
file's -wal, -shm and -journal beside it), never the folder a setting's file
sits in, which may be shared (/tmp).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Mapping
from pathlib import Path

from bot import settings

UMASK = 0o077
DATA_FOLDER = settings.ROOT / "var"
# File settings, with a SQLite file's companions.
DATABASES = ("HAIP_TRACKER_DB", "HAIP_REMINDERS_DB", "HAIP_STAFF_DB")
FOLDERS = ("HAIP_CONTENT_HISTORY", "HAIP_TRAINING_DIR")
SQLITE_COMPANIONS = ("-wal", "-shm", "-journal")


def private_from_now() -> None:
    """Everything this process and its children make is their user's only."""
    os.umask(UMASK)


def places(env: Mapping[str, str] | None = None) -> list[Path]:
    """The data folder and everything the settings name that holds private data."""
    found = [DATA_FOLDER]
    for db in [*(settings.path(name, env) for name in DATABASES), settings.trouble_db(env)]:
        found += [db, *(db.with_name(db.name + end) for end in SQLITE_COMPANIONS)]
    # staff/settings.py
    found.append(settings.path("HAIP_STAFF_DB", env).with_name("staff-secret.key"))
    found += [settings.path(name, env) for name in FOLDERS]
    return found


def _fix(path: Path) -> None:
    """Group's and others' rights go; the owner's stay (a git hook stays runnable)."""
    info = path.lstat()
    if stat.S_ISLNK(info.st_mode):
        return  # a link's target is not ours to change
    mode = stat.S_IMODE(info.st_mode)
    if mode & UMASK:
        os.chmod(path, mode & ~UMASK)


def make_private(paths: Iterable[Path]) -> None:
    """Takes group and others' rights from each path that exists and, for a
    folder, from all it holds (links are not followed)."""
    for top in paths:
        if not top.exists() or top.is_symlink():
            continue
        _fix(top)
        if not top.is_dir():
            continue
        for folder, dirs, files in os.walk(top):
            for name in (*dirs, *files):
                _fix(Path(folder) / name)
