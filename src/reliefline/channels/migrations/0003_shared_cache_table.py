"""The shared cache table (settings.CACHES): the public form's rate limit counts in it,
so every gunicorn worker and host sees the same count."""

from django.core.management import call_command
from django.db import migrations


def cache_table_create(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


def cache_table_drop(apps, schema_editor):
    schema_editor.execute(
        "DROP TABLE IF EXISTS %s" % schema_editor.quote_name("reliefline_cache")
    )


class Migration(migrations.Migration):
    dependencies = [("channels", "0002_seed_notice_templates")]

    operations = [migrations.RunPython(cache_table_create, cache_table_drop)]
