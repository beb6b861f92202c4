"""The assistant's data is its user's only: files 0600 and folders 0700 from the
first start (umask in the supervisor, UMask in every systemd unit), and files an
earlier start left readable fixed (bot/servers/private_files.py)."""

import os
import stat

import pytest

from bot.servers import private_files, supervisor
from bot.settings import Settings
from harness.scale_out import UNITS, unit


def mode(path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


@pytest.fixture
def data(tmp_path, monkeypatch):
    """A data folder as an earlier version left it: 0755 folders, 0644 files."""
    var = tmp_path / "var"
    (var / "content.git" / "hooks").mkdir(parents=True)
    (var / "training" / "build-1").mkdir(parents=True)
    names = ("tracker.db", "tracker.db-wal", "tracker.db-shm", "staff.db", "reminders.db",
             "trouble.db")  # fmt: skip
    made = [var / n for n in (*names, "training/trainings.db", "content.git/HEAD")]
    for path in made:
        path.write_text("x")
        path.chmod(0o644)
    hook = var / "content.git" / "hooks" / "post-commit"
    hook.write_text("#!/bin/sh\n")
    hook.chmod(0o755)
    for folder in (var, var / "content.git", var / "content.git" / "hooks", var / "training"):
        folder.chmod(0o755)
    monkeypatch.setattr(private_files, "DATA_FOLDER", var)
    for name, where in (("HAIP_TRACKER_DB", "tracker.db"), ("HAIP_STAFF_DB", "staff.db"),
                        ("HAIP_REMINDERS_DB", "reminders.db"), ("HAIP_TROUBLE_DB", "trouble.db"),
                        ("HAIP_TRAINING_DIR", "training"),
                        ("HAIP_CONTENT_HISTORY", "content.git")):  # fmt: skip
        monkeypatch.setenv(name, str(var / where))
    return var


def test_existing_files_and_folders_are_made_private(data, tmp_path):
    shared = tmp_path / "shared.txt"
    shared.write_text("not ours")
    shared.chmod(0o644)
    (data / "link").symlink_to(shared)
    private_files.make_private(private_files.places())
    for path in [data, *data.rglob("*")]:
        if path.is_symlink():
            continue
        want = 0o700 if path.is_dir() or path.name == "post-commit" else 0o600
        assert mode(path) == want, path
    assert mode(shared) == 0o644  # a link's target is left alone


def test_a_database_outside_var_is_fixed_without_its_folder(tmp_path, monkeypatch):
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o755)
    shared.chmod(0o755)
    db, trouble = shared / "tracker.db", shared / "trouble.db"
    for path in (db, shared / "tracker.db-wal", trouble, shared / "neighbour.txt"):
        path.write_text("x")
        path.chmod(0o644)
    monkeypatch.setattr(private_files, "DATA_FOLDER", tmp_path / "no-var")
    monkeypatch.setenv("HAIP_TRACKER_DB", str(db))
    monkeypatch.setenv("HAIP_TROUBLE_DB", str(trouble))
    private_files.make_private(private_files.places())
    assert (mode(db), mode(shared / "tracker.db-wal")) == (0o600, 0o600)
    assert mode(trouble) == 0o600
    assert (mode(shared), mode(shared / "neighbour.txt")) == (0o755, 0o644)


def test_the_supervisor_makes_everything_private_before_it_starts_anything(data, monkeypatch):
    started = {}

    class Stub:
        stopping = True

        def __init__(self, settings, model):
            pass

        def start_all(self):
            # What a child would make now: a new database, a new folder.
            (data / "new.db").write_text("x")
            (data / "new-folder").mkdir()
            started["tracker"] = mode(data / "tracker.db")

        def request_stop(self, *args):
            pass

        def stop(self):
            pass

    monkeypatch.setattr(supervisor, "Supervisor", Stub)
    monkeypatch.setattr(supervisor, "taken_port", lambda settings: None)
    monkeypatch.setattr(supervisor, "use_wal", lambda db: None)
    monkeypatch.setattr(supervisor.signal, "signal", lambda *args: None)
    before = os.umask(0o022)
    try:
        assert supervisor.serve(Settings.from_env(), data / "model.tar.gz") == 0
        assert os.umask(0o022) == 0o077
    finally:
        os.umask(before)
    assert started["tracker"] == 0o600 and mode(data) == 0o700
    assert mode(data / "new.db") == 0o600 and mode(data / "new-folder") == 0o700


def test_every_systemd_unit_sets_the_umask():
    units = sorted(p.name for p in UNITS.glob("*.service"))
    assert len(units) >= 7
    assert {name: unit(name).get("UMask") for name in units} == {n: ["0077"] for n in units}
