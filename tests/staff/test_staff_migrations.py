"""The models and the migrations agree, so a clinic's database is made by the
migrations alone (the search index's triggers included), and a migrate killed at any moment
leaves a database the next migrate completes."""

import contextlib
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

from bot import paths
from tests.killed import run_killed
from tests.staff.workspace import PASSWORD


@pytest.mark.django_db
def test_no_model_change_lacks_a_migration():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


@pytest.mark.django_db
def test_the_search_index_is_kept_by_triggers():
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        triggers = {row[0] for row in cursor.fetchall()}
    assert {"review_message_fts_insert", "review_message_fts_delete",
            "review_message_fts_update"} <= triggers  # fmt: skip


def migrated(env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "staff", "migrate"], env=env, cwd=paths.ROOT,
                          capture_output=True, text=True, timeout=120)  # fmt: skip


def schema(db: Path) -> tuple[list, list]:
    """Every table, index and trigger as made, and the migrations recorded."""
    with contextlib.closing(sqlite3.connect(db)) as opened:
        assert opened.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        made = opened.execute(
            "SELECT type, name, sql FROM sqlite_master WHERE name != 'sqlite_sequence'"
            " ORDER BY type, name"
        ).fetchall()
        recorded = opened.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
        return made, recorded.fetchall()


@pytest.fixture(scope="module")
def clean_schema(tmp_path_factory) -> tuple[list, list]:
    db = tmp_path_factory.mktemp("clean") / "staff.db"
    assert migrated({"HAIP_STAFF_DB": str(db), "PATH": "/usr/bin:/bin"}).returncode == 0
    return schema(db)


@pytest.mark.parametrize(
    "at",
    [
        # A first migration whose indexes Django defers: recorded after its commit
        # by Django's own command (staff/accounts/management/commands/migrate.py).
        "VALUES ('account', '0001_initial'",
        # Halfway through one of ours: the search index made, its triggers not yet.
        "CREATE TRIGGER review_message_fts_insert",
        # Between two migrations: one committed, the next begun.
        "VALUES ('review', '0005_conversations'",
    ],
)
def test_a_migration_killed_midway_is_completed_by_the_next(tmp_path, clean_schema, at):
    env = {"HAIP_STAFF_DB": str(tmp_path / "staff.db"), "PATH": "/usr/bin:/bin"}
    run_killed(["migrate"], env, at)
    assert schema(tmp_path / "staff.db") != clean_schema  # killed before the end

    again = migrated(env)
    assert again.returncode == 0, again.stderr[-2000:]
    assert schema(tmp_path / "staff.db") == clean_schema
    # The workspace works on it: a command that writes an account.
    added = subprocess.run(
        [sys.executable, "-m", "staff", "users", "add", "nina", "--role", "nurse"],
        input=PASSWORD + "\n", env=env, cwd=paths.ROOT, capture_output=True, text=True,
    )  # fmt: skip
    assert added.returncode == 0, added.stderr[-2000:]
