"""The database itself refuses to change audit entries (and, on PostgreSQL, to delete them).

SQLite gets no DELETE trigger because Django's test flush deletes rows one table at a
time; deleting entries still breaks the hash chain, which `reliefline audit verify` finds.
"""

from django.db import migrations

PG_FORWARD = """
CREATE FUNCTION access_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER access_auditentry_append_only BEFORE UPDATE OR DELETE ON access_auditentry
    FOR EACH ROW EXECUTE FUNCTION access_audit_append_only();
"""
PG_REVERSE = """
DROP TRIGGER IF EXISTS access_auditentry_append_only ON access_auditentry;
DROP FUNCTION IF EXISTS access_audit_append_only();
"""
SQLITE_FORWARD = """
CREATE TRIGGER access_auditentry_append_only BEFORE UPDATE ON access_auditentry
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
"""
SQLITE_REVERSE = "DROP TRIGGER IF EXISTS access_auditentry_append_only;"


def forward(apps, schema_editor):
    sql = {"postgresql": PG_FORWARD, "sqlite": SQLITE_FORWARD}.get(schema_editor.connection.vendor)
    if sql:
        schema_editor.execute(sql, params=None)


def reverse(apps, schema_editor):
    sql = {"postgresql": PG_REVERSE, "sqlite": SQLITE_REVERSE}.get(schema_editor.connection.vendor)
    if sql:
        schema_editor.execute(sql, params=None)


class Migration(migrations.Migration):
    dependencies = [("access", "0002_audit_log")]
    operations = [migrations.RunPython(forward, reverse)]
