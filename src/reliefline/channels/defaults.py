"""The texts notices start from, in uk, ru and en; coordinators edit them on their page.

Migration 0002 seeded the same texts when the app was installed (a migration keeps its
own copy, frozen in history). These are the fallback when a kind has no template
left in the database at all, so a notice is never lost for want of a row.
"""

DEFAULT_TEMPLATES: dict[str, dict[str, str]] = {
    "acknowledgement": {
        "uk": "reliefline: ми отримали ваше повідомлення. Номер звернення {reference}. "
        "Оператор зв'яжеться з вами. Збережіть цей номер.",
        "ru": "reliefline: мы получили ваше сообщение. Номер обращения {reference}. "
        "Оператор свяжется с вами. Сохраните этот номер.",
        "en": "reliefline: we received your message. Your case number is {reference}. "
        "An operator will contact you. Keep this number.",
    },
    "callback_scheduled": {
        "uk": "reliefline: оператор передзвонить вам щодо звернення {reference}. "
        "Час дзвінка: {time}.",
        "ru": "reliefline: оператор перезвонит вам по обращению {reference}. Время звонка: {time}.",
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
    "evacuation_rescheduled": {
        "uk": "reliefline: час виїзду евакуації змінено (звернення {reference}). "
        "Місце збору: {assembly_point}, новий час: {time}.",
        "ru": "reliefline: время выезда эвакуации изменилось (обращение {reference}). "
        "Место сбора: {assembly_point}, новое время: {time}.",
        "en": "reliefline: the evacuation's departure has changed (case {reference}). "
        "Assembly point: {assembly_point}, new time: {time}.",
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
