"""Name persons in the admin's own history by id, as the admin now does (access.admin_site).

django_admin_log keeps each object's label as it was when an admin changed it: a
person's full name, kept beyond the retention purge and shown unaudited under the
admin index's "Recent actions". Entries written before the admin stopped doing so
are renamed `people.person:<id>`, as the audit log names them.

Going back changes nothing: the names are gone, which is the point.
"""

from django.db import migrations


def rename(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    LogEntry = apps.get_model("admin", "LogEntry")
    person = ContentType.objects.filter(app_label="people", model="person").first()
    if person is None:
        return
    entries = LogEntry.objects.filter(content_type=person).exclude(
        object_repr__startswith="people.person:"
    )
    for entry in entries.only("pk", "object_id").iterator(chunk_size=1000):
        LogEntry.objects.filter(pk=entry.pk).update(object_repr=f"people.person:{entry.object_id}")


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0008_rekey_yo_spellings"),
        ("admin", "0003_logentry_add_action_flag_choices"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(rename, migrations.RunPython.noop)]
