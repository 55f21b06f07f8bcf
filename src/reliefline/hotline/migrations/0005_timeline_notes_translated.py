from typing import Any

from django.conf import settings
from django.db import migrations, models
from django.utils import translation

import reliefline.access.fields


def notes_written_out(apps: Any, schema_editor: Any) -> None:
    """Write each system note out in the site's language, as the code before this wrote it."""
    from reliefline.hotline.timeline import note_render

    case_event = apps.get_model("hotline", "CaseEvent")
    with translation.override(settings.LANGUAGE_CODE):
        for event in case_event.objects.exclude(msgid="").iterator():
            event.text = note_render(event.msgid, event.params)
            event.save(update_fields=["text"])


class Migration(migrations.Migration):
    dependencies = [
        ("hotline", "0004_export_subject"),
    ]

    operations = [
        migrations.AddField(
            model_name="caseevent",
            name="msgid",
            field=models.TextField(blank=True, default=""),
        ),
        migrations.AddField(
            model_name="caseevent",
            name="params",
            field=reliefline.access.fields.EncryptedJSONField(blank=True, default=dict),
        ),
        # Notes written before keep their text; going back, notes written since get one.
        migrations.RunPython(migrations.RunPython.noop, notes_written_out),
        migrations.AddConstraint(
            model_name="caseevent",
            constraint=models.CheckConstraint(
                condition=models.Q(("text", ""), ("msgid", ""), _connector="OR"),
                name="caseevent_text_or_msgid",
            ),
        ),
    ]
