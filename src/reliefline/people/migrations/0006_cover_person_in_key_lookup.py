"""Put person_id in the matching index's lookup index, so blocks are read from it alone."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0005_index_only_what_is_looked_up"),
    ]

    operations = [
        # IF EXISTS: a first import killed before its end leaves the table without it.
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    "DROP INDEX IF EXISTS personkey_kind_value",
                    reverse_sql="CREATE INDEX personkey_kind_value ON people_personkey (kind, value)",
                )
            ],
            state_operations=[
                migrations.RemoveIndex(model_name="personkey", name="personkey_kind_value"),
            ],
        ),
        migrations.AddIndex(
            model_name="personkey",
            index=models.Index(
                fields=["kind", "value", "person"], name="personkey_kind_value_person"
            ),
        ),
    ]
