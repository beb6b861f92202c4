"""The cache table (staff/settings.py CACHES): allauth's rate limits and the
second step's used codes, shared by every gunicorn worker."""

from django.core.management import call_command
from django.db import migrations


def make_cache_table(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies: list = []
    operations = [migrations.RunPython(make_cache_table, migrations.RunPython.noop)]
