"""Synthetic registries and re-typed queries for measuring identity matching.

Everything here is invented and seeded: no real person's data. A registry person is
written in Russian or Ukrainian Cyrillic; a query is the same person as another
operator would type them: in the other language, in one of the romanisations people
use (Ukrainian KMU-2010, Russian ICAO passport, BGN/PCGN, ad-hoc "street" spelling) or
on the wrong keyboard layout, with typos, a day/month swap or a one-digit slip in the
birth date, the domestic 8 prefix or a slip in the phone, the patronymic missing.
Some queries describe people who are not registered, including relatives who share
a registered person's family name, phone and patronymic.
"""

import datetime as dt
import itertools
import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from reliefline.people.names import layout_to_latin

# Given names: (Russian, Ukrainian) forms.
FEMALE = (
    ("Ирина", "Ірина"), ("Наталья", "Наталія"), ("Анна", "Ганна"), ("Елена", "Олена"),
    ("Ольга", "Ольга"), ("Татьяна", "Тетяна"), ("Юлия", "Юлія"), ("Мария", "Марія"),
    ("Екатерина", "Катерина"), ("Галина", "Галина"), ("Людмила", "Людмила"),
    ("Светлана", "Світлана"), ("Валентина", "Валентина"), ("Надежда", "Надія"),
    ("Любовь", "Любов"), ("Оксана", "Оксана"), ("Виктория", "Вікторія"),
    ("Анастасия", "Анастасія"), ("Лариса", "Лариса"), ("Марина", "Марина"),
    ("Нина", "Ніна"), ("Вера", "Віра"), ("Тамара", "Тамара"), ("Лидия", "Лідія"),
    ("Дарья", "Дар'я"), ("Софья", "Софія"), ("Алина", "Аліна"), ("Евгения", "Євгенія"),
    ("Зинаида", "Зінаїда"), ("Раиса", "Раїса"), ("Полина", "Поліна"), ("Инна", "Інна"),
)  # fmt: skip
MALE = (
    ("Александр", "Олександр"), ("Дмитрий", "Дмитро"), ("Сергей", "Сергій"),
    ("Алексей", "Олексій"), ("Николай", "Микола"), ("Евгений", "Євген"),
    ("Иван", "Іван"), ("Владимир", "Володимир"), ("Андрей", "Андрій"),
    ("Михаил", "Михайло"), ("Павел", "Павло"), ("Виктор", "Віктор"), ("Юрий", "Юрій"),
    ("Григорий", "Григорій"), ("Пётр", "Петро"), ("Фёдор", "Федір"), ("Игорь", "Ігор"),
    ("Олег", "Олег"), ("Василий", "Василь"), ("Анатолий", "Анатолій"),
    ("Виталий", "Віталій"), ("Роман", "Роман"), ("Максим", "Максим"),
    ("Денис", "Денис"), ("Богдан", "Богдан"), ("Степан", "Степан"), ("Тарас", "Тарас"),
    ("Константин", "Костянтин"), ("Никита", "Микита"), ("Илья", "Ілля"),
)  # fmt: skip
# Patronymics: (Russian m, Russian f, Ukrainian m, Ukrainian f).
PATRONYMICS = (
    ("Александрович", "Александровна", "Олександрович", "Олександрівна"),
    ("Николаевич", "Николаевна", "Миколайович", "Миколаївна"),
    ("Сергеевич", "Сергеевна", "Сергійович", "Сергіївна"),
    ("Андреевич", "Андреевна", "Андрійович", "Андріївна"),
    ("Алексеевич", "Алексеевна", "Олексійович", "Олексіївна"),
    ("Юрьевич", "Юрьевна", "Юрійович", "Юріївна"),
    ("Васильевич", "Васильевна", "Васильович", "Василівна"),
    ("Дмитриевич", "Дмитриевна", "Дмитрович", "Дмитрівна"),
    ("Михайлович", "Михайловна", "Михайлович", "Михайлівна"),
    ("Павлович", "Павловна", "Павлович", "Павлівна"),
    ("Петрович", "Петровна", "Петрович", "Петрівна"),
    ("Фёдорович", "Фёдоровна", "Федорович", "Федорівна"),
    ("Иванович", "Ивановна", "Іванович", "Іванівна"),
    ("Владимирович", "Владимировна", "Володимирович", "Володимирівна"),
    ("Викторович", "Викторовна", "Вікторович", "Вікторівна"),
    ("Игоревич", "Игоревна", "Ігорович", "Ігорівна"),
    ("Олегович", "Олеговна", "Олегович", "Олегівна"),
    ("Анатольевич", "Анатольевна", "Анатолійович", "Анатоліївна"),
    ("Евгеньевич", "Евгеньевна", "Євгенович", "Євгенівна"),
    ("Григорьевич", "Григорьевна", "Григорович", "Григорівна"),
    ("Романович", "Романовна", "Романович", "Романівна"),
    ("Степанович", "Степановна", "Степанович", "Степанівна"),
)
# Family names of Ukrainian form, with the Russian spelling where it differs.
UKRAINIAN_FAMILY = (
    "Коваленко", "Шевченко", "Бондаренко", "Ткаченко", "Кравченко", "Шевчук",
    "Бойко", "Мельник", "Коваль", "Ковальчук", "Савченко", "Руденко", "Марченко",
    "Петренко", "Мороз", "Павленко", "Гончаренко", "Клименко", "Левченко", "Козак",
    "Романенко", "Верещук", "Карпенко", "Мартинюк", "Ткачук", "Кравчук", "Савчук",
    "Бондар", "Литвиненко", "Гуменюк", "Харченко", "Мазур", "Остапенко", "Панченко",
    "Соловйов", "Кузьменко", "Тимошенко", "Поліщук", "Олійник", "Лисенко",
    "Юрченко", "Дячук", "Приходько", "Пономаренко", "Симоненко", "Дорошенко",
)  # fmt: skip
RUSSIAN_FAMILY = (
    "Иванов", "Петров", "Смирнов", "Кузнецов", "Попов", "Соколов", "Лебедев",
    "Козлов", "Новиков", "Морозов", "Волков", "Соловьёв", "Васильев", "Зайцев",
    "Павлов", "Семёнов", "Голубев", "Виноградов", "Богданов", "Воробьёв", "Фёдоров",
    "Михайлов", "Беляев", "Тарасов", "Белов", "Комаров", "Орлов", "Киселёв",
    "Макаров", "Андреев", "Ковалёв", "Ильин", "Гусев", "Титов", "Кузьмин",
    "Кудрявцев", "Баранов", "Куликов", "Алексеев", "Степанов", "Яковлев", "Сорокин",
    "Сергеев", "Романов", "Захаров", "Борисов", "Королёв", "Герасимов", "Пономарёв",
    "Григорьев", "Лазарев", "Медведев", "Ершов", "Никитин", "Соболев", "Рябов",
    "Поляков", "Цветков", "Данилов", "Жуков", "Фролов", "Журавлёв", "Николаев",
    "Крылов", "Максимов", "Сидоров", "Осипов", "Белоусов", "Федотов", "Дорофеев",
    "Егоров", "Матвеев", "Бобров", "Дмитриев", "Калинин", "Анисимов", "Петухов",
    "Антонов", "Тимофеев", "Никифоров", "Веселов", "Филиппов", "Марков", "Миронов",
    "Коновалов", "Шестаков", "Казаков", "Ефимов", "Денисов", "Громов", "Фомин",
    "Давыдов", "Мельников", "Щербаков", "Блинов", "Колесников", "Карпов", "Власов",
    "Маслов", "Исаков", "Тихонов", "Гаврилов", "Родионов", "Котов", "Горбунов",
    "Быков", "Зуев", "Третьяков", "Савельев", "Панов", "Рыбаков", "Суворов",
    "Абрамов", "Воронов", "Мухин", "Архипов", "Трофимов", "Мартынов", "Емельянов",
    "Чернов", "Назаров", "Лобанов", "Потапов", "Некрасов", "Жданов", "Наумов",
    "Дроздов", "Игнатьев", "Логинов", "Кириллов", "Моисеев", "Елисеев", "Костин",
    "Орехов", "Ефремов", "Исаев", "Калашников", "Прохоров", "Нестеров", "Зимин",
    "Филатов", "Крюков", "Молчанов", "Гришин", "Симонов", "Фадеев", "Носов",
    "Устинов", "Бирюков", "Щукин", "Сазонов", "Гордеев", "Самойлов", "Князев",
)  # fmt: skip

_RU_TO_UK = {"и": "і", "ы": "и", "э": "е", "ъ": "'", "ё": "ьо"}


def ukrainian_spelling(russian: str) -> str:
    """Return a Russian name as a Ukrainian would write it (Иванов -> Іванов)."""
    out = []
    for i, ch in enumerate(russian):
        low = ch.lower()
        new = _RU_TO_UK.get(low, low)
        if low == "е" and (i == 0 or russian[i - 1].lower() in "аеёиоуыэюяьъ"):
            new = "є"
        if low == "ё" and (i == 0 or russian[i - 1].lower() in "аеёиоуыэюяьъ"):
            new = "йо"
        out.append(new.capitalize() if ch.isupper() else new)
    return "".join(out).replace("ьї", "ї").replace("ьі", "ї")


def russian_spelling(ukrainian: str) -> str:
    """Return a Ukrainian name as a Russian would write it (Олійник -> Олейник)."""
    text = ukrainian.replace("ій", "ей").replace("Ій", "Ей")
    table = str.maketrans(
        {"и": "ы", "і": "и", "ї": "и", "є": "е", "'": "ъ", "І": "И", "Ї": "И", "Є": "Е"}
    )
    text = text.translate(table)
    # Ukrainian и after a hushing or velar letter is Russian и, not ы.
    return re.sub(r"(?<=[жшчщкгхцЖШЧЩКГХЦ])ы", "и", text).replace("йов", "ьёв")


def _word_start_or_after_vowel(text: str, i: int, vowels: str) -> bool:
    return i == 0 or not text[i - 1].isalpha() or text[i - 1].lower() in vowels


_KMU = {
    "а": "a", "б": "b", "в": "v", "г": "h", "ґ": "g", "д": "d", "е": "e", "ж": "zh",
    "з": "z", "и": "y", "і": "i", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o",
    "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts",
    "ч": "ch", "ш": "sh", "щ": "shch", "ь": "", "'": "", "ʼ": "",
}  # fmt: skip
_KMU_INITIAL = {"є": ("ye", "ie"), "ї": ("yi", "i"), "й": ("y", "i"), "ю": ("yu", "iu"), "я": ("ya", "ia")}  # fmt: skip
_ICAO = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh",
    "з": "z", "и": "i", "й": "i", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o",
    "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts",
    "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "ie", "ы": "y", "ь": "", "э": "e", "ю": "iu",
    "я": "ia",
}  # fmt: skip
_BGN = {**_ICAO, "й": "y", "ъ": "", "ь": "'", "ю": "yu", "я": "ya", "ё": "yo"}
_STREET = {**_BGN, "х": "h", "щ": "sch", "ь": "", "ж": "zh"}


def _capitalise(latin: str) -> str:
    return " ".join(w[:1].upper() + w[1:] for w in latin.split(" "))


def romanise_kmu(ukrainian: str) -> str:
    """Return Ukrainian Cyrillic in the KMU-2010 passport romanisation."""
    text = ukrainian.lower().replace("зг", "zgh")
    out = []
    for i, ch in enumerate(text):
        if ch in _KMU_INITIAL:
            initial, inner = _KMU_INITIAL[ch]
            out.append(initial if i == 0 or not text[i - 1].isalpha() else inner)
        else:
            out.append(_KMU.get(ch, ch))
    return _capitalise("".join(out))


def _romanise_ru(russian: str, table: dict[str, str], *, ye: bool) -> str:
    text = russian.lower()
    out = []
    for i, ch in enumerate(text):
        if ye and ch == "е" and _word_start_or_after_vowel(text, i, "аеёиоуыэюяьъ"):
            out.append("ye")
        else:
            out.append(table.get(ch, ch))
    return _capitalise("".join(out))


def romanise_icao(russian: str) -> str:
    """Return Russian Cyrillic in the ICAO (Russian passport since 2013) romanisation."""
    return _romanise_ru(russian, _ICAO, ye=False)


def romanise_bgn(russian: str) -> str:
    """Return Russian Cyrillic in BGN/PCGN romanisation (ë written yo)."""
    return _romanise_ru(russian, _BGN, ye=True)


def romanise_street(russian: str) -> str:
    """Return Russian Cyrillic as people often type it without a system (Vasiliy, Schukin)."""
    return _romanise_ru(russian, _STREET, ye=True).replace("iy ", "y ").removesuffix("iy") + (
        "y" if russian.lower().endswith("ий") else ""
    )


MatchFunction = Callable[["SyntheticQuery"], list[tuple[int, str]]]


@dataclass(frozen=True)
class SyntheticPerson:
    """A registered (or deliberately unregistered) person: names in their own language."""

    key: int
    language: str  # "ru" or "uk"
    female: bool
    given: tuple[str, str]  # (Russian, Ukrainian)
    family: tuple[str, str]
    patronymic: tuple[str, str] | None
    birth_date: dt.date
    phone: str  # E.164 or ""
    household: int

    @property
    def form(self) -> int:
        return 0 if self.language == "ru" else 1


@dataclass(frozen=True)
class SyntheticQuery:
    """How an operator typed a caller; `person_key` is None when they are not registered."""

    person_key: int | None
    given_name: str
    family_name: str
    patronymic: str
    birth_date: dt.date | None
    phone: str
    variations: tuple[str, ...] = field(default=())


def feminine(family_name: str) -> str:
    """Return the woman's form of a family name (Иванов -> Иванова; Коваленко stays)."""
    if re.search(r"(ов|ев|ёв|ин|ын|їн|ін)$", family_name):
        return family_name + "а"
    return family_name


# Beyond the common names above, a registry holds thousands of rarer ones; these are
# composed from stems and endings, spelled in Russian and then in Ukrainian.
_STEMS = (
    "Бел", "Чер", "Гор", "Сав", "Мар", "Кир", "Лук", "Дем", "Тим", "Пар", "Хом", "Мих",
    "Гриш", "Сид", "Кузьм", "Лит", "Бур", "Вор", "Гол", "Кол", "Кот", "Кур", "Мед",
    "Мор", "Нос", "Руд", "Сер", "Ткач", "Уст", "Фом", "Хар", "Чуб", "Шев", "Шуб", "Яр",
    "Дуб", "Луг", "Бор", "Гай", "Жур", "Зуб", "Кам", "Лоз", "Паш", "Рад", "Сем", "Тар",
)  # fmt: skip
_MIDDLES = ("", "ан", "ен", "ал", "ич", "ов", "ат")
_ENDINGS = ("ов", "ин", "енко", "ук", "чук", "ко", "ец", "як")


def _family_names() -> list[tuple[str, str]]:
    """Return (Russian, Ukrainian) family names, the most common first."""
    names = [(russian_spelling(uk), uk) for uk in UKRAINIAN_FAMILY]
    names += [(ru, ukrainian_spelling(ru)) for ru in RUSSIAN_FAMILY]
    seen = {ru for ru, _ in names}
    for stem in _STEMS:
        for middle in _MIDDLES:
            for ending in _ENDINGS:
                ru = stem + middle + ending
                if ru not in seen:
                    seen.add(ru)
                    names.append((ru, ukrainian_spelling(ru)))
    return names


_FAMILY_NAMES = _family_names()
# Zipf-like weights: the most common name is shared by about 1.5% of a registry.
_FAMILY_WEIGHTS = list(itertools.accumulate(1 / (rank + 15) for rank in range(len(_FAMILY_NAMES))))


def _family(rng: random.Random) -> tuple[str, str]:
    return rng.choices(_FAMILY_NAMES, cum_weights=_FAMILY_WEIGHTS)[0]


_UA_MOBILE = ("50", "63", "66", "67", "68", "73", "93", "95", "96", "97", "98", "99")


def _phone(rng: random.Random) -> str:
    if rng.random() < 0.5:
        return f"+79{rng.randrange(10**9):09d}"
    return f"+380{rng.choice(_UA_MOBILE)}{rng.randrange(10**7):07d}"


def _birth_date(rng: random.Random) -> dt.date:
    return dt.date(1935, 1, 1) + dt.timedelta(days=rng.randrange(365 * 72))


def _person(rng: random.Random, key: int, household: int, **fixed: object) -> SyntheticPerson:
    female = rng.random() < 0.55
    fields: dict[str, object] = {
        "key": key,
        "language": rng.choice(("ru", "uk")),
        "female": female,
        "given": rng.choice(FEMALE if female else MALE),
        "family": _family(rng),
        "patronymic": rng.choice(PATRONYMICS) if rng.random() < 0.85 else None,
        "birth_date": _birth_date(rng),
        "phone": _phone(rng) if rng.random() < 0.85 else "",
        "household": household,
    }
    fields.update(fixed)
    if fields["female"]:
        fields["family"] = tuple(feminine(name) for name in fields["family"])  # type: ignore[attr-defined]
    patronymic = fields["patronymic"]
    if isinstance(patronymic, tuple) and len(patronymic) == 4:
        fields["patronymic"] = (patronymic[1], patronymic[3]) if female else patronymic[::2]
    return SyntheticPerson(**fields)  # type: ignore[arg-type]


def registry(size: int, *, seed: int = 5) -> list[SyntheticPerson]:
    """Return `size` registered persons; about a sixth share a household, family name and phone."""
    rng = random.Random(seed)  # noqa: S311 -- seeded, reproducible test data, no secret
    persons: list[SyntheticPerson] = []
    household = 0
    while len(persons) < size:
        household += 1
        family = _family(rng)
        head = _person(rng, len(persons), household, family=family)
        persons.append(head)
        if rng.random() < 0.1:
            for _ in range(rng.randint(1, 3)):
                if len(persons) >= size:
                    break
                persons.append(
                    _person(
                        rng,
                        len(persons),
                        household,
                        family=family,
                        phone=head.phone,
                        language=head.language,
                    )
                )
    return persons


def typo(rng: random.Random, word: str) -> str:
    """Return the word with one letter replaced, dropped, doubled or swapped with the next."""
    if len(word) < 4:
        return word
    i = rng.randrange(1, len(word) - 1)
    kind = rng.choice(("replace", "drop", "double", "swap"))
    if kind == "drop":
        return word[:i] + word[i + 1 :]
    if kind == "double":
        return word[:i] + word[i] + word[i:]
    if kind == "swap":
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    pool = "аеиоунртсклвдмпгзб" if re.match(r"[а-яіїєґ]", word[i].lower()) else "aeiounrtsklvdmpgzb"
    return word[:i] + rng.choice(pool) + word[i + 1 :]


def _write(rng: random.Random, person: SyntheticPerson, variations: list[str]) -> list[str]:
    """Return (given, family, patronymic) written in a script an operator might use."""
    language = person.form if rng.random() < 0.6 else 1 - person.form
    names = [person.given[language], person.family[language]]
    names.append(person.patronymic[language] if person.patronymic else "")
    roll = rng.random()
    if roll < 0.04:
        variations.append("keyboard layout")
        return [layout_to_latin(n) for n in names]
    if roll < 0.55:
        return names
    if language == 1:
        variations.append("latin kmu")
        return [romanise_kmu(n) if n else "" for n in names]
    system = rng.choice((romanise_icao, romanise_bgn, romanise_street))
    variations.append(f"latin {system.__name__.removeprefix('romanise_')}")
    return [system(n) if n else "" for n in names]


def _slip_date(rng: random.Random, date: dt.date) -> dt.date:
    for _ in range(20):
        digits = list(date.strftime("%Y%m%d"))
        i = rng.randrange(2, 8)
        digits[i] = rng.choice([d for d in "0123456789" if d != digits[i]])
        try:
            return dt.datetime.strptime("".join(digits), "%Y%m%d").date()
        except ValueError:
            continue
    return date


def _slip_phone(rng: random.Random, phone: str) -> str:
    i = rng.randrange(6, len(phone))
    return phone[:i] + rng.choice([d for d in "0123456789" if d != phone[i]]) + phone[i + 1 :]


def query_for(rng: random.Random, person: SyntheticPerson, *, registered: bool) -> SyntheticQuery:
    """Return the person re-typed with the variations an intake really sees."""
    variations: list[str] = []
    given, family, patronymic = _write(rng, person, variations)
    if rng.random() < 0.15:
        family = typo(rng, family)
        variations.append("family typo")
    if rng.random() < 0.08:
        given = typo(rng, given)
        variations.append("given typo")
    if patronymic and rng.random() < 0.4:
        patronymic = ""
        variations.append("no patronymic")
    birth_date: dt.date | None = person.birth_date
    roll = rng.random()
    if (
        roll < 0.07
        and person.birth_date.day <= 12
        and person.birth_date.day != person.birth_date.month
    ):
        birth_date = person.birth_date.replace(
            month=person.birth_date.day, day=person.birth_date.month
        )
        variations.append("day/month swapped")
    elif roll < 0.13:
        birth_date = _slip_date(rng, person.birth_date)
        variations.append("birth date slip")
    elif roll < 0.35:
        birth_date = None
    phone = person.phone
    roll = rng.random()
    if phone and roll < 0.15 and phone.startswith("+7"):
        phone = "8" + phone[2:]
        variations.append("8 prefix")
    elif phone and roll < 0.2:
        phone = _slip_phone(rng, phone)
        variations.append("phone slip")
    elif roll < 0.45:
        phone = ""
    if birth_date is None and not phone:
        birth_date = person.birth_date
    return SyntheticQuery(
        person.key if registered else None,
        given,
        family,
        patronymic,
        birth_date,
        phone,
        tuple(variations),
    )


def queries(
    persons: list[SyntheticPerson], count: int, *, seed: int = 6, unregistered: float = 0.1
) -> list[SyntheticQuery]:
    """Return `count` queries: re-typed registered persons and some unregistered people.

    Half of the unregistered are relatives of a registered person: same family name,
    phone and household, another given name and birth date.
    """
    rng = random.Random(seed)  # noqa: S311 -- seeded, reproducible test data, no secret
    out = []
    for n in range(count):
        if rng.random() >= unregistered:
            out.append(query_for(rng, rng.choice(persons), registered=True))
            continue
        if rng.random() < 0.5:
            relative = rng.choice(persons)
            pool = FEMALE if rng.random() < 0.55 else MALE
            stranger = _person(
                rng,
                -1 - n,
                relative.household,
                family=relative.family,
                phone=relative.phone,
                language=relative.language,
                female=pool is FEMALE,
                given=rng.choice([g for g in pool if g != relative.given]),
            )
        else:
            stranger = _person(rng, -1 - n, 0)
        out.append(query_for(rng, stranger, registered=False))
    return out


def registry_load(persons: list[SyntheticPerson], *, batch: int = 5000) -> dict[int, int]:
    """Store the persons (names in their own language) and index them; return key -> id.

    Bulk inserts for speed: each row's derived keys are set as Person.save would, and
    people_reindex then builds the matching index.
    """
    from reliefline.people.models import Person
    from reliefline.people.services import people_reindex

    ids: dict[int, int] = {}
    for start in range(0, len(persons), batch):
        chunk = persons[start : start + batch]
        rows = []
        for p in chunk:
            row = Person(
                given_name=p.given[p.form],
                family_name=p.family[p.form],
                patronymic=p.patronymic[p.form] if p.patronymic else "",
                birth_date=p.birth_date,
                phone=p.phone,
                preferred_language=p.language,
                external_id=f"synthetic-{p.key}",
            )
            row.derive_keys()
            rows.append(row)
        Person.objects.bulk_create(rows, batch_size=1000)
        stored = Person.objects.filter(external_id__in=[r.external_id for r in rows])
        ids.update(
            (int(str(ext).removeprefix("synthetic-")), pk)
            for pk, ext in stored.values_list("pk", "external_id")
        )
    people_reindex()
    return ids


@dataclass(frozen=True)
class Quality:
    registered: int
    unregistered: int
    top1: int
    recall5: int
    false_links: int
    auto_links: int
    missed: tuple[SyntheticQuery, ...]
    wrong_links: tuple[SyntheticQuery, ...]

    @property
    def top1_rate(self) -> float:
        return self.top1 / max(self.registered, 1)

    @property
    def recall5_rate(self) -> float:
        return self.recall5 / max(self.registered, 1)

    @property
    def false_link_rate(self) -> float:
        return self.false_links / max(self.registered + self.unregistered, 1)


def evaluate(
    questions: list[SyntheticQuery], ids: dict[int, int], match: "MatchFunction"
) -> Quality:
    """Return how well `match` (query -> [(person_id, decision)], best first) answered."""
    top1 = recall5 = false_links = auto_links = registered = 0
    missed: list[SyntheticQuery] = []
    wrong: list[SyntheticQuery] = []
    for question in questions:
        answers = match(question)
        expected = ids.get(question.person_key) if question.person_key is not None else None
        if expected is not None:
            registered += 1
            found = [pid for pid, _ in answers[:5]]
            top1 += bool(found) and found[0] == expected
            recall5 += expected in found
            if not found or found[0] != expected:
                missed.append(question)
        links = [pid for pid, decision in answers if decision == "match"]
        auto_links += bool(links)
        if any(pid != expected for pid in links):
            false_links += 1
            wrong.append(question)
    return Quality(
        registered,
        len(questions) - registered,
        top1,
        recall5,
        false_links,
        auto_links,
        tuple(missed),
        tuple(wrong),
    )
