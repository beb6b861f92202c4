"""Pseudonyms of 80 bits (20 hex characters, staff/review/pseudonyms.py): the
conversation columns allow 32.

In the models' state only: SQLite does not enforce a VARCHAR's length, and
Django would alter the column by rebuilding review_message, which drops the
search index's triggers (0002_search_index) with the old table."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("review", "0002_search_index")]
    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="message",
                    name="conversation",
                    field=models.CharField(db_index=True, max_length=32),
                ),
                migrations.AlterField(
                    model_name="pendingtrouble",
                    name="conversation",
                    field=models.CharField(max_length=32),
                ),
            ]
        )
    ]
