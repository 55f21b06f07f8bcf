"""The first text of every notice in uk, ru and en; coordinators edit them in the admin.

The texts live here, not in code, so a later edit in the admin is never overwritten:
reversing this migration deletes only rows still holding the seeded text.
"""

from typing import Any

from django.db import migrations

TEMPLATES = {
    "acknowledgement": {
        "uk": "reliefline: ми отримали ваше повідомлення. Номер звернення {reference}. "
        "Оператор зв'яжеться з вами. Збережіть цей номер.",
        "ru": "reliefline: мы получили ваше сообщение. Номер обращения {reference}. "
        "Оператор свяжется с вами. Сохраните этот номер.",
        "en": "reliefline: we received your message. Your case number is {reference}. "
        "An operator will contact you. Keep this number.",
    },
    "callback_scheduled": {
        "uk": "reliefline: оператор передзвонить вам щодо звернення {reference} о {time}.",
        "ru": "reliefline: оператор перезвонит вам по обращению {reference} в {time}.",
        "en": "reliefline: an operator will call you back about case {reference} at {time}.",
    },
    "evacuation_allocated": {
        "uk": "reliefline: для вас є місце для евакуації (звернення {reference}). "
        "Місце збору: {assembly_point}, час: {time}. Візьміть із собою: {bring}.",
        "ru": "reliefline: для вас есть место для эвакуации (обращение {reference}). "
        "Место сбора: {assembly_point}, время: {time}. Возьмите с собой: {bring}.",
        "en": "reliefline: you have a seat for evacuation (case {reference}). "
        "Assembly point: {assembly_point}, time: {time}. Bring: {bring}.",
    },
    "corridor_opened": {
        "uk": "reliefline: гуманітарний коридор {corridor} відкрито {window}. "
        "Виконуйте лише вказівки організаторів.",
        "ru": "reliefline: гуманитарный коридор {corridor} открыт {window}. "
        "Следуйте только указаниям организаторов.",
        "en": "reliefline: the humanitarian corridor {corridor} is open {window}. "
        "Follow only the organisers' instructions.",
    },
    "corridor_suspended": {
        "uk": "reliefline: гуманітарний коридор {corridor} призупинено. Не виходьте до місця "
        "збору. Ми повідомимо, коли його знову відкриють.",
        "ru": "reliefline: гуманитарный коридор {corridor} приостановлен. Не выходите к месту "
        "сбора. Мы сообщим, когда он снова откроется.",
        "en": "reliefline: the humanitarian corridor {corridor} is suspended. Do not go to "
        "the assembly point. We will tell you when it reopens.",
    },
    "aid_distribution": {
        "uk": "reliefline: видача допомоги ({items}): {place}, {time}.",
        "ru": "reliefline: раздача помощи ({items}): {place}, {time}.",
        "en": "reliefline: aid distribution ({items}): {place}, {time}.",
    },
    "arrival_confirmed": {
        "uk": "reliefline: ваше прибуття до пункту {place} зареєстровано (звернення {reference}).",
        "ru": "reliefline: ваше прибытие в пункт {place} зарегистрировано (обращение {reference}).",
        "en": "reliefline: your arrival at {place} is recorded (case {reference}).",
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
    dependencies = [("channels", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
