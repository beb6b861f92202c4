"""The full-text index over the masked messages (SQLite FTS5), kept in step with
the table by triggers, so every writer (the follower, retention) keeps it right."""

from django.db import migrations

CREATE = [
    "CREATE VIRTUAL TABLE review_message_fts USING fts5("
    "text, content='review_message', content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER review_message_fts_insert AFTER INSERT ON review_message BEGIN"
    " INSERT INTO review_message_fts(rowid, text) VALUES (new.id, new.text); END",
    "CREATE TRIGGER review_message_fts_delete AFTER DELETE ON review_message BEGIN"
    " INSERT INTO review_message_fts(review_message_fts, rowid, text)"
    " VALUES ('delete', old.id, old.text); END",
    "CREATE TRIGGER review_message_fts_update AFTER UPDATE OF text ON review_message BEGIN"
    " INSERT INTO review_message_fts(review_message_fts, rowid, text)"
    " VALUES ('delete', old.id, old.text);"
    " INSERT INTO review_message_fts(rowid, text) VALUES (new.id, new.text); END",
]
DROP = [
    "DROP TRIGGER review_message_fts_update",
    "DROP TRIGGER review_message_fts_delete",
    "DROP TRIGGER review_message_fts_insert",
    "DROP TABLE review_message_fts",
]


class Migration(migrations.Migration):
    dependencies = [("review", "0001_initial")]
    operations = [migrations.RunSQL(CREATE, DROP)]
