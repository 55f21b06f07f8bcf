"""The notice of a corridor closed with families still holding seats, and its texts.

Seeded like 0002, so a coordinator can edit the texts before the first one is sent;
reversing deletes only rows still holding the seeded text.
"""

from typing import Any

from django.db import migrations, models

TEMPLATES = {
    "corridor_closed": {
        "uk": "reliefline: евакуацію коридором {corridor} скасовано (звернення {reference}). "
        "Не виходьте до місця збору. Ваш запит залишається чинним: ми повідомимо про новий "
        "виїзд.",
        "ru": "reliefline: эвакуация по коридору {corridor} отменена (обращение {reference}). "
        "Не выходите к месту сбора. Ваш запрос остаётся в силе: мы сообщим о новом выезде.",
        "en": "reliefline: the evacuation by corridor {corridor} is cancelled (case "
        "{reference}). Do not go to the assembly point. Your request stays open: we will "
        "tell you of a new departure.",
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
        ("channels", "0005_notice_evacuation_rescheduled"),
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
                    ("corridor_closed", "Corridor closed, evacuation cancelled"),
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
                    ("corridor_closed", "Corridor closed, evacuation cancelled"),
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
                    ("corridor_closed", "Corridor closed, evacuation cancelled"),
                    ("aid_distribution", "Aid distribution time and place"),
                    ("arrival_confirmed", "Arrival confirmed"),
                ],
                max_length=32,
            ),
        ),
        migrations.RunPython(seed, unseed),
    ]
