"""Each database has one owner: staff/ reaches its own database through Django
only, and every other file (the reminders, Rasa's events, the trouble log, the
trainings) through its owner's API in bot/. And one schema mechanism per store:
Django migrations for the staff database, sqlite-utils migrations for ours,
never a hand-written column check."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from bot import paths

# Database clients: whoever imports one opens a file or a server of its own.
CLIENTS = ("sqlite3", "sqlite_utils", "psycopg2", "sqlalchemy")
SQL = re.compile(r"^\s*(SELECT|INSERT|UPDATE|DELETE|CREATE|DROP|ALTER|PRAGMA|WITH|REPLACE)\b")
# Ways to change a schema by hand, column by column.
HAND_WRITTEN_SCHEMA = re.compile(r"add_column\(|ALTER TABLE|table_info|columns_dict")


def python_files(folder: str) -> list[Path]:
    return sorted(
        p for p in (paths.ROOT / folder).rglob("*.py") if "migrations" not in p.parts
    )


def trespasses(source: str) -> list[str]:
    """What in this module reaches a database other than Django's own: a client
    imported, or SQL that is not run on a cursor of Django's connection."""
    tree = ast.parse(source)
    found = []
    django_cursors: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [f"imports {a.name}" for a in node.names if a.name.split(".")[0] in CLIENTS]
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in CLIENTS:
            found.append(f"imports from {node.module}")
        elif isinstance(node, ast.With):
            for item in node.items:
                call = item.context_expr
                if (
                    isinstance(call, ast.Call)
                    and isinstance(call.func, ast.Attribute)
                    and call.func.attr == "cursor"
                    and isinstance(call.func.value, ast.Name)
                    and call.func.value.id == "connection"
                    and isinstance(item.optional_vars, ast.Name)
                ):
                    django_cursors.add(item.optional_vars.id)
    imports_django_connection = any(
        isinstance(node, ast.ImportFrom)
        and node.module == "django.db"
        and any(a.name == "connection" for a in node.names)
        for node in ast.walk(tree)
    )
    # Django's own ways to its database: a cursor of its connection, RawSQL in a
    # query, the connection's init_command in the settings.
    allowed: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and node.args:
            func = node.func
            on_cursor = (
                imports_django_connection
                and isinstance(func, ast.Attribute)
                and func.attr == "execute"
                and isinstance(func.value, ast.Name)
                and func.value.id in django_cursors
            )
            if on_cursor or (isinstance(func, ast.Name) and func.id == "RawSQL"):
                allowed.add(id(node.args[0]))
        elif isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                if isinstance(key, ast.Constant) and key.value == "init_command":
                    allowed.add(id(value))
        elif isinstance(node, ast.JoinedStr):
            # Its parts are judged with it, as one string.
            allowed.update(id(part) for part in node.values)
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            text = "".join(v.value for v in node.values if isinstance(v, ast.Constant))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = node.value
        else:
            continue
        if SQL.match(text) and id(node) not in allowed:
            found.append(f"SQL at line {node.lineno}: {text[:40]!r}")
    return found


def test_staff_runs_no_sql_on_a_database_it_does_not_own():
    found = {
        str(p.relative_to(paths.ROOT)): problems
        for p in python_files("staff")
        if (problems := trespasses(p.read_text()))
    }
    assert found == {}


def test_the_check_sees_a_client_a_store_s_connection_and_sql_outside_django():
    assert trespasses("import sqlite3\nsqlite3.connect('x')") == ["imports sqlite3"]
    assert trespasses("from psycopg2 import connect") == ["imports from psycopg2"]
    sneaking = "def f(store):\n    return store.db.execute('SELECT * FROM reminders')"
    assert trespasses(sneaking) == ["SQL at line 2: 'SELECT * FROM reminders'"]
    built = "def f(c, t):\n    c.execute(f'DELETE FROM {t}')"
    assert trespasses(built) == ["SQL at line 2: 'DELETE FROM '"]
    own = (
        "from django.db import connection\n"
        "with connection.cursor() as cursor:\n"
        "    cursor.execute('PRAGMA secure_delete=ON')\n"
    )
    assert trespasses(own) == []
    ranked = "from django.db.models.expressions import RawSQL\nRawSQL('SELECT rowid FROM t', [])"
    assert trespasses(ranked) == []
    assert trespasses("OPTIONS = {'init_command': 'PRAGMA journal_mode=WAL;'}") == []
    # Words that read like SQL in a sentence are not SQL.
    assert trespasses("MESSAGE = 'Select a topic'") == []


def test_no_schema_is_changed_column_by_column():
    found = [
        f"{p.relative_to(paths.ROOT)}: {match.group(0)}"
        for folder in ("bot", "staff", "actions")
        for p in python_files(folder)
        for match in HAND_WRITTEN_SCHEMA.finditer(p.read_text())
    ]
    assert found == []


def test_every_sqlite_file_of_ours_has_its_migrations():
    """Each store that opens a file with sqlite-utils names its migrations set."""
    stores = [
        p
        for p in python_files("bot")
        if "sqlite_utils.Database(" in p.read_text() and p.name != "sqlite_files.py"
    ]
    assert stores, "the check found no store at all"
    for store in stores:
        text = store.read_text()
        assert "Migrations(" in text and "sqlite_files.migrate(" in text, store
