"""The callback notice names its time apart: "Время звонка: 28.11.2026 09:00 (…)".

The seeded Russian and Ukrainian texts put the time after a preposition ("в {time}",
"о {time}"), which reads "в 28.11.2026 09:00" once the date is in it. Only rows still
holding the seeded text change, so a coordinator's own wording stays; reversing puts
back the seeded text where the new one is untouched.
"""

from typing import Any

from django.db import migrations

REWORDED = {
    ("callback_scheduled", "uk"): (
        "reliefline: оператор передзвонить вам щодо звернення {reference} о {time}.",
        "reliefline: оператор передзвонить вам щодо звернення {reference}. "
        "Час дзвінка: {time}.",
    ),
    ("callback_scheduled", "ru"): (
        "reliefline: оператор перезвонит вам по обращению {reference} в {time}.",
        "reliefline: оператор перезвонит вам по обращению {reference}. "
        "Время звонка: {time}.",
    ),
}


def _reword(apps: Any, *, forward: bool) -> None:
    template = apps.get_model("channels", "NoticeTemplate")
    for (kind, language), (old, new) in REWORDED.items():
        was, now = (old, new) if forward else (new, old)
        template.objects.filter(kind=kind, language=language, body=was).update(body=now)


def reword(apps: Any, schema_editor: Any) -> None:
    _reword(apps, forward=True)


def unreword(apps: Any, schema_editor: Any) -> None:
    _reword(apps, forward=False)


class Migration(migrations.Migration):
    dependencies = [
        ("channels", "0007_forget_web_form_contacts"),
    ]

    operations = [migrations.RunPython(reword, unreword)]
