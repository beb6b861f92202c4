"""The models and the migrations agree, so a clinic's database is made by the
migrations alone (the search index's triggers included)."""

import pytest
from django.core.management import call_command
from django.db import connection


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
