"""The notice of a convoy's departure moved, and its first texts in uk, ru and en.

Seeded like 0002, so a coordinator can edit the texts before the first one is sent;
reversing deletes only rows still holding the seeded text.
"""

from typing import Any

from django.db import migrations, models

TEMPLATES = {
    "evacuation_rescheduled": {
        "uk": "reliefline: час виїзду евакуації змінено (звернення {reference}). "
        "Місце збору: {assembly_point}, новий час: {time}.",
        "ru": "reliefline: время выезда эвакуации изменилось (обращение {reference}). "
        "Место сбора: {assembly_point}, новое время: {time}.",
        "en": "reliefline: the evacuation's departure has changed (case {reference}). "
        "Assembly point: {assembly_point}, new time: {time}.",
    },
}


def seed(apps: Any, schema_editor: Any) -> None:
    template = apps.get_model("channels", "NoticeTemplate")
    for kind, texts in TEMPLATES.items():
        for language, body in texts.items():
            template.objects.get_or_create(kind=kind, language=language, defaults={"body": body})


def unseed(apps: Any, schema_editor: Any) -> None:
    template = apps.get_model("channels", "NoticeTemplate")
    for kind, texts in TEMPLATES.items():
        for language, body in texts.items():
            template.objects.filter(kind=kind, language=language, body=body).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("channels", "0004_notice_claimed_at"),
    ]

    operations = [
        migrations.AlterField(
            model_name="broadcast",
            name="kind",
            field=models.CharField(
                choices=[
                    ("acknowledgement", "Acknowledgement with case reference"),
                    ("callback_scheduled", "Callback scheduled"),
                    ("evacuation_allocated", "Evacuation seat allocated"),
                    ("evacuation_rescheduled", "Evacuation departure moved"),
                    ("corridor_opened", "Corridor opened"),
                    ("corridor_suspended", "Corridor suspended"),
                    ("aid_distribution", "Aid distribution time and place"),
                    ("arrival_confirmed", "Arrival confirmed"),
                ],
                max_length=32,
            ),
        ),
        migrations.AlterField(
            model_name="notice",
            name="kind",
            field=models.CharField(
                choices=[
                    ("acknowledgement", "Acknowledgement with case reference"),
                    ("callback_scheduled", "Callback scheduled"),
                    ("evacuation_allocated", "Evacuation seat allocated"),
                    ("evacuation_rescheduled", "Evacuation departure moved"),
                    ("corridor_opened", "Corridor opened"),
                    ("corridor_suspended", "Corridor suspended"),
                    ("aid_distribution", "Aid distribution time and place"),
                    ("arrival_confirmed", "Arrival confirmed"),
                ],
                max_length=32,
            ),
        ),
        migrations.AlterField(
            model_name="noticetemplate",
            name="kind",
            field=models.CharField(
                choices=[
                    ("acknowledgement", "Acknowledgement with case reference"),
                    ("callback_scheduled", "Callback scheduled"),
                    ("evacuation_allocated", "Evacuation seat allocated"),
                    ("evacuation_rescheduled", "Evacuation departure moved"),
                    ("corridor_opened", "Corridor opened"),
                    ("corridor_suspended", "Corridor suspended"),
                    ("aid_distribution", "Aid distribution time and place"),
                    ("arrival_confirmed", "Arrival confirmed"),
                ],
                max_length=32,
            ),
        ),
        migrations.RunPython(seed, unseed),
    ]
