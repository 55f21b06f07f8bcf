"""The database itself refuses to change stock movements (and, on PostgreSQL, to delete them).

As for the audit log (access 0003), SQLite gets no DELETE trigger because Django's
test flush deletes rows one table at a time; `reliefline stock verify` finds a
deleted movement as a balance that no longer adds up.
"""

from django.db import migrations

PG_FORWARD = """
CREATE FUNCTION aid_movement_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the stock ledger is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER aid_movement_append_only BEFORE UPDATE OR DELETE ON aid_movement
    FOR EACH ROW EXECUTE FUNCTION aid_movement_append_only();
"""
PG_REVERSE = """
DROP TRIGGER IF EXISTS aid_movement_append_only ON aid_movement;
DROP FUNCTION IF EXISTS aid_movement_append_only();
"""
SQLITE_FORWARD = """
CREATE TRIGGER aid_movement_append_only BEFORE UPDATE ON aid_movement
BEGIN SELECT RAISE(ABORT, 'the stock ledger is append-only'); END;
"""
SQLITE_REVERSE = "DROP TRIGGER IF EXISTS aid_movement_append_only;"


def forward(apps, schema_editor):
    sql = {"postgresql": PG_FORWARD, "sqlite": SQLITE_FORWARD}.get(schema_editor.connection.vendor)
    if sql:
        schema_editor.execute(sql, params=None)


def reverse(apps, schema_editor):
    sql = {"postgresql": PG_REVERSE, "sqlite": SQLITE_REVERSE}.get(schema_editor.connection.vendor)
    if sql:
        schema_editor.execute(sql, params=None)


class Migration(migrations.Migration):
    dependencies = [("aid", "0001_ledger")]
    operations = [migrations.RunPython(forward, reverse)]
