"""Django's migrate, each migration recorded in the transaction that applies it.

Django records a migration whose schema editor deferred statements (the indexes
of a new table: most first migrations) only after that transaction commits. A
migrate killed between the two (kill -9, a power cut) leaves the tables made
and the migration unrecorded, and every later migrate then fails ("table ...
already exists"), so the workspace never starts again. Here the deferred
statements run, and the migration is recorded, before the commit: a killed
migrate leaves each migration done and recorded, or neither, and the next
migrate goes on from there (tests/staff/test_staff_migrations.py).

The workspace's one database (SQLite) rolls schema changes back; a migration
that is not atomic, or a database that cannot roll them back, goes Django's way.
"""

from __future__ import annotations

from django.core.management.commands import migrate
from django.db.migrations.executor import MigrationExecutor


class Executor(MigrationExecutor):
    def apply_migration(self, state, migration, fake=False, fake_initial=False):
        if (
            fake
            or fake_initial
            or not (migration.atomic and self.connection.features.can_rollback_ddl)
        ):
            return super().apply_migration(state, migration, fake, fake_initial)
        if self.progress_callback:
            self.progress_callback("apply_start", migration, fake)
        with self.connection.schema_editor(atomic=True) as schema_editor:
            state = migration.apply(state, schema_editor)
            # What the editor's exit would run, in the same order, before the record.
            while schema_editor.deferred_sql:
                schema_editor.execute(schema_editor.deferred_sql.pop(0), None)
            self.record_migration(migration)
        if self.progress_callback:
            self.progress_callback("apply_success", migration, fake)
        return state


class Command(migrate.Command):
    def handle(self, *args, **options):
        # Django's command makes its executor by this module's name for it.
        django_executor = migrate.MigrationExecutor
        migrate.MigrationExecutor = Executor
        try:
            return super().handle(*args, **options)
        finally:
            migrate.MigrationExecutor = django_executor
