"""Drop indexes the matching index and the lookups never use.

- PersonKey(person_id): personkey_unique (person_id, kind, value) serves every lookup
  by person, so the FK's own index only cost every bulk insert a third B-tree.
- The varchar_pattern_ops twins PostgreSQL gets for a CharField with db_index
  (phone_index, name_key): both are looked up by equality only.

The schema is changed with plain index statements, not AlterField, which would make
SQLite copy both tables and PostgreSQL re-check the foreign key over every key row.
"""

import django.db.models.deletion
from django.db import migrations, models

# Index name -> (table, column), as Django named them for db_index=True.
OLD = {
    "people_personkey_person_id_4c8d4d86": ("people_personkey", "person_id"),
    "people_person_phone_index_645eefb9": ("people_person", "phone_index"),
    "people_person_name_key_01f61d18": ("people_person", "name_key"),
}
NEW = {
    "person_phone_index": ("people_person", "phone_index"),
    "person_name_key": ("people_person", "name_key"),
}
PATTERN_OPS = ("people_person_phone_index_645eefb9", "people_person_name_key_01f61d18")


def forward(apps, schema_editor):
    for name in OLD:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')
    for name in PATTERN_OPS:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}_like"')
    for name, (table, column) in NEW.items():
        schema_editor.execute(f'CREATE INDEX "{name}" ON "{table}" ("{column}")')


def backward(apps, schema_editor):
    for name in NEW:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')
    for name, (table, column) in OLD.items():
        schema_editor.execute(f'CREATE INDEX "{name}" ON "{table}" ("{column}")')
    if schema_editor.connection.vendor == "postgresql":
        for name in PATTERN_OPS:
            table, column = OLD[name]
            schema_editor.execute(
                f'CREATE INDEX "{name}_like" ON "{table}" ("{column}" varchar_pattern_ops)'
            )


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0004_dedupe_merge"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(forward, backward)],
            state_operations=[
                migrations.AlterField(
                    model_name="person",
                    name="name_key",
                    field=models.CharField(blank=True, default="", editable=False, max_length=220),
                ),
                migrations.AlterField(
                    model_name="person",
                    name="phone_index",
                    field=models.CharField(blank=True, default="", editable=False, max_length=64),
                ),
                migrations.AlterField(
                    model_name="personkey",
                    name="person",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="match_keys",
                        to="people.person",
                    ),
                ),
                migrations.AddIndex(
                    model_name="person",
                    index=models.Index(fields=["phone_index"], name="person_phone_index"),
                ),
                migrations.AddIndex(
                    model_name="person",
                    index=models.Index(fields=["name_key"], name="person_name_key"),
                ),
            ],
        ),
    ]
