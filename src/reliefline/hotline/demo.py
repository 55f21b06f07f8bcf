"""The demo: users for every role and a morning's queue of the Sudzha hotline.

The people are invented; the places are real settlements of the bundled gazetteer
and the situation is the one of docs' scenario (mid-August 2024, Kursk oblast).
Phone numbers are fictitious: +7 910 000-00-xx (Russian mobiles), +380 67 000-00-xx,
and a few relatives abroad. Loading twice creates nothing new: a case is keyed on
its caller's phone.
"""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from reliefline.access import services as access
from reliefline.errors import NotFound
from reliefline.hotline import priority, services
from reliefline.hotline.models import Case, CaseEvent, Status
from reliefline.hotline.services import CaseInput, NeedInput
from reliefline.people import services as people
from reliefline.people.models import ConsentMethod, LegalBasis
from reliefline.people.selectors import person_lookup
from reliefline.people.services import PersonInput


@dataclass(frozen=True)
class DemoUser:
    username: str
    role: str
    password: str


# Public on purpose: printed by `reliefline demo`, for a loopback demo only.
DEMO_USERS = tuple(
    DemoUser(role, role, f"demo-{role}-sudzha")
    for role in ("operator", "coordinator", "field", "partner", "dpo", "admin")
)

SUDZHA = "geonames-postal:RU-307800"
GUYEVO = "geonames-postal:RU-307815"
MAKHNOVKA = "geonames-postal:RU-307821"
ZAMOSTYE = "geonames-postal:RU-307820"
MARTYNOVKA = "geonames-postal:RU-307833"
BORKI = "geonames-postal:RU-307824"
PLEKHOVO = "geonames-postal:RU-307823"
GOGOLEVKA = "geonames-postal:RU-307814"
SVERDLIKOVO = "geonames-postal:RU-307812"
CHERKASSKOYE_PORECHNOYE = "geonames-postal:RU-307832"
LEBEDEVKA = "geonames-postal:RU-307811"
ULANOK = "geonames-postal:RU-307822"
VOROBZHA = "geonames-postal:RU-307825"
ZAOLESHENKA = "geonames-postal:RU-307831"
NIZHNEMAKHOVO = "geonames-postal:RU-307826"
POGREBKI = "geonames-postal:RU-307836"

# What happened to a case after intake, in order: ("triage",), ("assign", username),
# ("start",), ("call", outcome, note), ("note", text), ("callback", hours from now),
# ("unreachable",), ("resolve", note). Cases are assigned to those who work them, an
# operator or a coordinator: a field team changes no case and sees only its
# settlements' (hotline.services.case_assign refuses it).
Step = tuple[str, ...]


@dataclass(frozen=True)
class DemoCase:
    caller: PersonInput
    channel: str
    settlement: str
    needs: Sequence[NeedInput]
    message: str
    minutes_ago: int
    household_size: int = 1
    vulnerabilities: Sequence[str] = ()
    members: Sequence[PersonInput] = ()
    steps: Sequence[Step] = field(default_factory=tuple)

    @property
    def language(self) -> str:
        return self.caller.preferred_language


def _ru(given: str, patronymic: str, family: str, born: str, phone: str) -> PersonInput:
    return PersonInput(
        given_name=given,
        patronymic=patronymic,
        family_name=family,
        birth_date=dt.date.fromisoformat(born) if born else None,
        phone=phone,
        preferred_language="ru",
    )


def _uk(given: str, patronymic: str, family: str, born: str, phone: str) -> PersonInput:
    return PersonInput(
        given_name=given,
        patronymic=patronymic,
        family_name=family,
        birth_date=dt.date.fromisoformat(born) if born else None,
        phone=phone,
        preferred_language="uk",
    )


def _en(given: str, family: str, phone: str) -> PersonInput:
    return PersonInput(given_name=given, family_name=family, phone=phone, preferred_language="en")


# Story 6 of the scenario: a field team's Kobo survey of one Sudzha apartment block
# whose water main was hit. Enough households share a need for a partner to read their
# count in the settlement situation (RELIEFLINE_SMALL_CELL hides fewer than 5).
SURVEY_ADDRESS = "Суджа, ул. Ленина, 9"


def _surveyed(
    caller: PersonInput,
    *,
    household_size: int,
    litres: int,
    note: str,
    minutes_ago: int,
    vulnerabilities: Sequence[str] = (),
) -> DemoCase:
    return DemoCase(
        caller=caller,
        channel="kobo",
        settlement=SUDZHA,
        household_size=household_size,
        vulnerabilities=vulnerabilities,
        needs=(
            NeedInput(type="water", quantity=litres, note="Литров в день."),
            NeedInput(type="food", quantity=household_size),
        ),
        message=f"Опрос полевой группы, {SURVEY_ADDRESS}: {note}",
        minutes_ago=minutes_ago,
        steps=(("triage",),),
    )


SURVEY: tuple[DemoCase, ...] = (
    _surveyed(
        _ru("Ольга", "Николаевна", "Тарасова", "1979-04-11", "+79100000040"),
        household_size=3,
        litres=30,
        note="кв. 4, трое, воду носят из колодца за два квартала.",
        minutes_ago=7 * 60,
    ),
    _surveyed(
        _ru("Пётр", "Семёнович", "Голубев", "1946-10-02", "+79100000041"),
        household_size=2,
        litres=20,
        note="кв. 7, пенсионеры, ему 80, сам воду не носит.",
        minutes_ago=7 * 60 - 10,
        vulnerabilities=("elderly_75_plus",),
    ),
    _surveyed(
        _ru("Светлана", "Юрьевна", "Ермакова", "1988-01-30", "+79100000042"),
        household_size=4,
        litres=40,
        note="кв. 12, двое детей, младшему 4 года.",
        minutes_ago=7 * 60 - 20,
        vulnerabilities=("child_under_5",),
    ),
    _surveyed(
        _uk("Ігор", "Петрович", "Мороз", "1969-06-15", "+79100000043"),
        household_size=2,
        litres=20,
        note="кв. 15, двое, продукты на три дня.",
        minutes_ago=7 * 60 - 30,
    ),
    _surveyed(
        _ru("Антонина", "Ильинична", "Сафонова", "1951-12-19", "+79100000044"),
        household_size=1,
        litres=10,
        note="кв. 18, одна, 74 года, гипертония.",
        minutes_ago=7 * 60 - 40,
        vulnerabilities=("chronic_illness",),
    ),
    _surveyed(
        _ru("Денис", "Андреевич", "Лаптев", "1993-08-08", "+79100000045"),
        household_size=5,
        litres=50,
        note="кв. 21, пятеро, воду кипятят из реки.",
        minutes_ago=7 * 60 - 50,
    ),
)

# Story 1 of the scenario: it must top the queue.
INSULIN_PHONE = "+79100000001"

SCENARIO: tuple[DemoCase, ...] = (
    DemoCase(
        caller=_ru("Наталья", "Викторовна", "Соколова", "1968-03-14", INSULIN_PHONE),
        members=(_ru("Валентина", "Петровна", "Соколова", "1942-01-09", ""),),
        channel="sms",
        settlement=SUDZHA,
        household_size=2,
        vulnerabilities=("elderly_75_plus", "wheelchair", "chronic_illness"),
        needs=(
            NeedInput(type="medicine", item="инсулин", note="Осталось на 2 дня, аптека закрыта."),
            NeedInput(type="evacuation", quantity=2, note="Обе, мама на коляске."),
        ),
        message=(
            "Здравствуйте. Мы в Судже, ул. Щепкина. Маме 82 года, диабет, инсулин "
            "заканчивается, осталось на два дня. Сама не ходит, только коляска. Хотим "
            "выехать обе. Связь плохая, лучше СМС."
        ),
        minutes_ago=20,
    ),
    DemoCase(
        caller=_ru("Сергей", "Иванович", "Мальцев", "1981-07-02", "+79100000002"),
        channel="phone",
        settlement=SUDZHA,
        household_size=4,
        vulnerabilities=("child_under_5",),
        needs=(
            NeedInput(type="water", quantity=40, note="Литров в день на семью."),
            NeedInput(type="food"),
        ),
        message="Воды нет четвёртый день, колонка на Ленина не работает. Двое детей, младшей 3.",
        minutes_ago=6 * 60,
        steps=(
            ("triage",),
            ("call", "reached", "Подтвердил: 4 человека, воду берут у соседа."),
        ),
    ),
    DemoCase(
        caller=_ru("Андрей", "Николаевич", "Кравцов", "1977-11-23", "+79100000003"),
        channel="phone",
        settlement=MAKHNOVKA,
        household_size=2,
        vulnerabilities=("bedridden",),
        needs=(
            NeedInput(type="medical_care", note="Отец после инсульта, пролежни."),
            NeedInput(type="evacuation", quantity=2, note="Нужны носилки."),
        ),
        message="Отец лежачий после инсульта, нужна перевязка и вывоз на носилках.",
        minutes_ago=3 * 60 + 10,
        steps=(
            ("assign", "operator"),
            ("start",),
            ("call", "no_network", ""),
            ("call", "reached", "Полевая группа будет завтра утром."),
        ),
    ),
    DemoCase(
        caller=_uk("Галина", "Степанівна", "Лисенко", "1958-05-30", "+79100000004"),
        channel="telegram",
        settlement=GUYEVO,
        household_size=3,
        vulnerabilities=("elderly_75_plus",),
        needs=(NeedInput(type="evacuation", quantity=3, note="До Сум, до доньки."),),
        message=(
            "Добрий день. Ми в Гуєво, нас троє, свекрусі 79 років. Хочемо виїхати "
            "в бік Сум, там донька. Коли буде коридор?"
        ),
        minutes_ago=9 * 60,
        steps=(
            ("triage",),
            ("note", "Ждёт коридора на Сумы; свекровь ходит с палочкой."),
        ),
    ),
    DemoCase(
        caller=_ru("Зинаида", "Фёдоровна", "Белоусова", "1945-09-12", "+79100000005"),
        channel="sms",
        settlement=ZAMOSTYE,
        vulnerabilities=("elderly_75_plus",),
        needs=(NeedInput(type="food", note="Одна, в магазин не дойти."),),
        message="Живу одна, 79 лет. Хлеба нет неделю, магазин закрыт. Помогите продуктами.",
        minutes_ago=14 * 60,
    ),
    DemoCase(
        caller=_uk("Олена", "Василівна", "Ткаченко", "1995-02-17", "+79100000006"),
        channel="whatsapp",
        settlement=MARTYNOVKA,
        household_size=5,
        vulnerabilities=("pregnant", "child_under_5"),
        needs=(NeedInput(type="evacuation", quantity=5, note="У бік України."),),
        message=(
            "Я вагітна, 34 тижні, з нами двоє малих і батьки чоловіка. Хочемо виїхати "
            "в Україну. Машини немає."
        ),
        minutes_ago=5 * 60 + 30,
        steps=(
            ("triage",),
            ("assign", "coordinator"),
        ),
    ),
    DemoCase(
        caller=_ru("Виктор", "Алексеевич", "Гончаров", "1956-04-05", "+79100000007"),
        channel="phone",
        settlement=BORKI,
        household_size=2,
        vulnerabilities=("chronic_illness",),
        needs=(NeedInput(type="medicine", item="бисопролол", note="Сердце, осталось 3 таблетки."),),
        message="Кончаются таблетки от сердца, бисопролол 5 мг. Жена тоже болеет.",
        minutes_ago=20 * 60,
        steps=(
            ("call", "no_network", ""),
            ("call", "no_answer", ""),
            ("call", "no_network", "Связи в Борках нет с утра."),
            ("unreachable",),
            ("callback", "3"),
        ),
    ),
    DemoCase(
        caller=_ru("Марина", "Олеговна", "Шевцова", "1972-12-01", "+79100000008"),
        channel="telegram",
        settlement=PLEKHOVO,
        household_size=1,
        needs=(NeedInput(type="tracing", note="Сын, 1999 г.р., не выходит на связь с 7 августа."),),
        message="Сын Дмитрий уехал в Плехово к бабушке 5 августа, с 7-го не отвечает. Помогите.",
        minutes_ago=26 * 60,
        steps=(
            ("triage",),
            ("note", "Передано в службу розыска (RFL)."),
        ),
    ),
    DemoCase(
        caller=_en("Anna", "Kovalenko", "+4915100000012"),
        channel="web",
        settlement=SUDZHA,
        vulnerabilities=("elderly_75_plus",),
        needs=(
            NeedInput(type="tracing", note="Grandmother, 88, lives alone."),
            NeedInput(type="evacuation", quantity=1),
        ),
        message=(
            "I am writing from Germany. My grandmother Lyudmila Kovalenko, 88, lives alone "
            "on Sovetskaya street in Sudzha. We have had no contact since 6 August. Please "
            "check on her and help her leave if she wants to."
        ),
        minutes_ago=11 * 60,
    ),
    DemoCase(
        caller=_en("Pavel", "Rudenko", "+48500000012"),
        channel="web",
        settlement=GUYEVO,
        household_size=2,
        vulnerabilities=("disability",),
        needs=(NeedInput(type="evacuation", quantity=2), NeedInput(type="information")),
        message=(
            "My parents are in Guevo. My father is blind. They want to come to us in "
            "Poland through Ukraine. Which corridor can they use and when?"
        ),
        minutes_ago=7 * 60,
        steps=(("triage",),),
    ),
    DemoCase(
        caller=_ru("Людмила", "Сергеевна", "Зайцева", "1963-08-08", "+79100000009"),
        channel="walk_in",
        settlement=SUDZHA,
        household_size=2,
        needs=(NeedInput(type="information", note="Спрашивает о коридоре на Курск."),),
        message="Когда и откуда будет автобус на Курск? Хотим к сестре.",
        minutes_ago=2 * 60,
    ),
    DemoCase(
        caller=_ru("Николай", "Петрович", "Дьяченко", "1970-01-25", "+79100000010"),
        channel="kobo",
        settlement=SVERDLIKOVO,
        household_size=6,
        needs=(NeedInput(type="water", quantity=60), NeedInput(type="food", quantity=6)),
        message="Опрос полевой группы: 6 человек, колодец пересох, продукты на 2 дня.",
        minutes_ago=30 * 60,
        steps=(
            ("triage",),
            ("assign", "operator"),
            ("start",),
        ),
    ),
    DemoCase(
        caller=_ru("Татьяна", "Игоревна", "Романенко", "1985-06-19", "+79100000011"),
        channel="rapidpro",
        settlement=CHERKASSKOYE_PORECHNOYE,
        household_size=3,
        needs=(NeedInput(type="shelter", note="Крыша пробита, окна выбиты."),),
        message="Дом повреждён, крыши нет над одной комнатой. Нужна плёнка и где переночевать.",
        minutes_ago=4 * 60,
    ),
    DemoCase(
        caller=_uk("Оксана", "Миколаївна", "Бондар", "1976-10-10", "+79100000012"),
        channel="phone",
        settlement=SUDZHA,
        vulnerabilities=("unaccompanied_child",),
        needs=(
            NeedInput(type="protection", note="Хлопчик 12 років у сусідки."),
            NeedInput(type="tracing", note="Батьки були в Курську 6 серпня."),
        ),
        message=(
            "У мене сусідський хлопчик, 12 років. Батьки поїхали в Курськ 6-го і не "
            "повернулися, телефон не відповідає. Він поки в мене."
        ),
        minutes_ago=50,
        steps=(
            ("assign", "coordinator"),
            ("note", "Координатор уведомил МККК."),
        ),
    ),
    DemoCase(
        caller=_ru("Геннадий", "Васильевич", "Пономарёв", "1949-03-03", "+79100000013"),
        channel="sms",
        settlement=GOGOLEVKA,
        vulnerabilities=("chronic_illness",),
        needs=(NeedInput(type="medicine", item="кислородный концентратор", note="Нет света."),),
        message="ХОБЛ, концентратор кислорода без света не работает. Нужен генератор или баллон.",
        minutes_ago=80,
        steps=(
            ("triage",),
            ("call", "busy", ""),
        ),
    ),
    DemoCase(
        caller=_ru("Ирина", "Владимировна", "Соловьёва", "1990-09-09", "+79100000014"),
        channel="phone",
        settlement=LEBEDEVKA,
        household_size=3,
        needs=(NeedInput(type="water"), NeedInput(type="food")),
        message="Нужны вода и продукты на троих.",
        minutes_ago=40 * 60,
        steps=(
            ("assign", "operator"),
            ("start",),
            ("resolve", "Выдано: вода 30 л, консервы, печенье."),
        ),
    ),
    DemoCase(
        caller=_uk("Мирослава", "Андріївна", "Гуменюк", "2001-04-22", "+380670000001"),
        channel="whatsapp",
        settlement=ULANOK,
        household_size=3,
        vulnerabilities=("infant_under_2",),
        needs=(NeedInput(type="food", item="дитяча суміш", quantity=4, note="Дитині 5 місяців."),),
        message="Закінчується суміш для малої, 5 місяців. Магазини зачинені.",
        minutes_ago=3 * 60,
    ),
    DemoCase(
        caller=_ru("Алексей", "Дмитриевич", "Фролов", "1966-12-30", "+79100000015"),
        channel="telegram",
        settlement=VOROBZHA,
        household_size=3,
        vulnerabilities=("disability",),
        needs=(NeedInput(type="evacuation", quantity=3, note="В сторону Курска."),),
        message="Нас трое, жена инвалид II группы. Хотим выехать в Курск, транспорта нет.",
        minutes_ago=16 * 60,
        steps=(
            ("triage",),
            ("call", "voicemail", ""),
            ("callback", "1"),
        ),
    ),
    DemoCase(
        caller=_ru("Валерий", "Павлович", "Ковалёв", "1959-02-14", "+79100000016"),
        channel="phone",
        settlement=ZAOLESHENKA,
        needs=(NeedInput(type="information", note="Есть ли связь с Курском, работает ли банк."),),
        message="Хочу узнать, где получить пенсию и когда откроют дорогу.",
        minutes_ago=10 * 60,
    ),
    DemoCase(
        caller=_ru("Раиса", "Григорьевна", "Мельникова", "1947-07-07", "+79100000017"),
        channel="sms",
        settlement=NIZHNEMAKHOVO,
        vulnerabilities=("elderly_75_plus",),
        needs=(NeedInput(type="medicine", item="эналаприл", note="Давление."),),
        message="Закончились таблетки от давления. Мне 77 лет, живу с мужем.",
        minutes_ago=8 * 60,
        household_size=2,
    ),
    DemoCase(
        caller=_ru("Елена", "Борисовна", "Кузнецова", "1974-05-05", "+79100000018"),
        channel="phone",
        settlement=POGREBKI,
        household_size=2,
        needs=(NeedInput(type="medical_care", note="Муж на гемодиализе, пропущен сеанс."),),
        message="Муж на диализе три раза в неделю, в Курск не проехать. Пропустили уже один сеанс.",
        minutes_ago=2 * 60 + 30,
        steps=(
            ("assign", "coordinator"),
            ("start",),
            ("note", "Ищем окно на выезд с МККК."),
        ),
    ),
    *SURVEY,
)


@dataclass(frozen=True)
class DemoResult:
    created: int
    skipped: int


def demo_users_ensure() -> list[DemoUser]:
    """Return the demo users after creating them, or resetting their role and password."""
    for user in DEMO_USERS:
        if User.objects.filter(username=user.username).exists():
            access.user_update(
                user.username, role=user.role, password=user.password, validate=False
            )
        else:
            access.user_create(
                user.username, role=user.role, password=user.password, validate=False
            )
    return list(DEMO_USERS)


def _user(username: str) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        raise NotFound(f"Demo user {username} is missing: run demo_users_ensure first.")
    return user


def _apply(case: Case, step: Step, *, by: User, now: dt.datetime) -> Case:
    kind, *args = step
    if kind == "triage":
        return services.case_transition(case, to=Status.TRIAGED, by=by)
    if kind == "assign":
        return services.case_assign(case, to=_user(args[0]), by=by)
    if kind == "start":
        return services.case_transition(case, to=Status.IN_PROGRESS, by=by)
    if kind == "unreachable":
        return services.case_transition(case, to=Status.CANNOT_REACH, by=by)
    if kind == "resolve":
        return services.case_transition(case, to=Status.RESOLVED, by=by, note=args[0])
    if kind == "call":
        services.case_call_attempt(case, outcome=args[0], note=args[1], by=by)
    elif kind == "note":
        services.case_note(case, text=args[0], by=by)
    elif kind == "callback":
        at = now + dt.timedelta(hours=int(args[0]))
        return services.case_schedule_callback(case, at=at, by=by)
    else:
        raise ValueError(f"Unknown demo step {kind}")
    return case


def _backdate(case: Case, *, created_at: dt.datetime, now: dt.datetime) -> None:
    """Move the case and its timeline into the past, as if it had waited since then."""
    due_at = created_at + priority.SLA[priority.band_for(case.priority)]
    Case.objects.filter(pk=case.pk).update(created_at=created_at, due_at=due_at)
    events = list(CaseEvent.objects.filter(case=case).order_by("id").values_list("pk", flat=True))
    step = min(dt.timedelta(minutes=15), (now - created_at) / max(1, len(events)))
    for i, pk in enumerate(events):
        CaseEvent.objects.filter(pk=pk).update(at=created_at + i * step)


@transaction.atomic
def _demo_case_load(demo: DemoCase, *, now: dt.datetime) -> Case:
    operator, coordinator = _user("operator"), _user("coordinator")
    # Messages arriving by a channel have no operator behind them.
    typed_by = operator if demo.channel in ("phone", "walk_in") else None
    case = services.case_open(
        CaseInput(
            channel=demo.channel,
            language=demo.language,
            caller=replace(
                demo.caller,
                consent_method=services.consent_method_for(demo.channel),
            ),
            settlement_id=demo.settlement,
            household_size=demo.household_size,
            needs=demo.needs,
            vulnerabilities=demo.vulnerabilities,
            message=demo.message,
        ),
        by=typed_by,
    )
    for member in demo.members:
        # A relative reported by the caller has not consented herself: vital interest.
        member = replace(
            member,
            legal_basis=LegalBasis.VITAL_INTEREST,
            consent_method=ConsentMethod.NOT_OBTAINED,
        )
        people.person_create(people.person_validate(member), household=case.household)
    for step in demo.steps:
        case = _apply(case, step, by=coordinator, now=now)
    _backdate(case, created_at=now - dt.timedelta(minutes=demo.minutes_ago), now=now)
    return case


def demo_load(*, now: dt.datetime | None = None) -> DemoResult:
    """Return how many demo cases were opened; a case whose caller exists is skipped.

    Needs the gazetteer and the demo users. Run case_reprioritise_open afterwards so
    the waiting time counts in each case's priority.
    """
    now = now or timezone.now()
    created = skipped = 0
    for demo in SCENARIO:
        if person_lookup(phone=demo.caller.phone).exists():
            skipped += 1
            continue
        _demo_case_load(demo, now=now)
        created += 1
    return DemoResult(created=created, skipped=skipped)
