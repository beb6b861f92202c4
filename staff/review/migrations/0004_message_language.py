"""The language each patient message was written in, as the assistant read it
(bot/nlu/language.py): the inbox shows and filters it, the overview counts it.

Added with ALTER TABLE in SQL: Django's SQLite editor would add a column with a
default by rebuilding review_message, which drops the search index's triggers
(0002_search_index) with the old table."""

from django.db import migrations, models

ADD = [
    "ALTER TABLE review_message ADD COLUMN language varchar(8) NOT NULL DEFAULT ''",
    "CREATE INDEX review_message_language ON review_message (language)",
]
DROP = [
    "DROP INDEX review_message_language",
    "ALTER TABLE review_message DROP COLUMN language",
]


class Migration(migrations.Migration):
    dependencies = [("review", "0003_longer_pseudonyms")]
    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunSQL(ADD, DROP)],
            state_operations=[
                migrations.AddField(
                    model_name="message",
                    name="language",
                    field=models.CharField(blank=True, db_index=True, default="", max_length=8),
                ),
            ],
        )
    ]
