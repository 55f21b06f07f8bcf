from typing import Any

from django.conf import settings
from django.db import migrations, models
from django.utils import translation

NOTE_MAX = 500  # CorridorEvent.note's max_length


def notes_written_out(apps: Any, schema_editor: Any) -> None:
    """Write each system entry out in the site's language, as the code before this wrote it."""
    from reliefline.hotline.timeline import note_render

    corridor_event = apps.get_model("evacuation", "CorridorEvent")
    with translation.override(settings.LANGUAGE_CODE):
        for event in corridor_event.objects.exclude(msgid="").iterator():
            event.note = note_render(event.msgid, event.params)[:NOTE_MAX]
            event.save(update_fields=["note"])


class Migration(migrations.Migration):
    dependencies = [
        ("evacuation", "0003_corridorevent_status_choices"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="corridorevent",
            name="msgid",
            field=models.TextField(blank=True, default=""),
        ),
        migrations.AddField(
            model_name="corridorevent",
            name="params",
            field=models.JSONField(blank=True, default=dict),
        ),
        # Entries written before keep their text; going back, entries written since get one.
        migrations.RunPython(migrations.RunPython.noop, notes_written_out),
        migrations.AddConstraint(
            model_name="corridorevent",
            constraint=models.CheckConstraint(
                condition=models.Q(("note", ""), ("msgid", ""), _connector="OR"),
                name="corridorevent_note_or_msgid",
            ),
        ),
    ]
