"""The demo's corridors (story 3 of docs' scenario), convoys and evacuation requests.

Two corridors from Sudzha, one toward Sumy (Ukraine) and one toward Kursk (Russia),
for the coming Saturday 08:00–14:00, guaranteed by the ICRC, each with two buses and
a medical van; and the evacuation requests of the demo cases whose callers asked to
leave. Allocation is left to the coordinator (the story does it in the browser).
Loading twice creates nothing new: corridors are keyed on their name, requests on
their case.
"""

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from reliefline.evacuation import services
from reliefline.evacuation.models import Corridor, EvacuationRequest
from reliefline.evacuation.services import (
    CorridorInput,
    MemberInput,
    PartyInput,
    StopInput,
    VehicleInput,
    WindowInput,
)
from reliefline.hotline.models import OPEN_STATUSES, Case
from reliefline.people.selectors import person_lookup
from reliefline.people.services import PersonInput

SUDZHA = "geonames-postal:RU-307800"
SUMY = "geonames:692194"
KURSK = "geonames:538560"
CORRIDORS = (("Sudzha → Sumy", "UA", SUMY), ("Sudzha → Kursk", "RU", KURSK))
FLEET = (
    VehicleInput("Bus 1", seats=45, wheelchair_places=1),
    VehicleInput("Bus 2", seats=45),
    VehicleInput("Medical van", seats=2, wheelchair_places=1, stretcher_places=1, has_medic=True),
)


@dataclass(frozen=True)
class DemoRequest:
    """Who of a demo caller's household goes, where; `extra` are members not yet recorded."""

    phone: str
    direction: str
    caller_mobility: str = "walking"
    members: tuple[tuple[str, str, bool], ...] = ()  # given name, mobility, needs a medic
    extra: tuple[tuple[str, str, str, str, bool], ...] = ()  # given, family, born, mobility, medic


REQUESTS = (
    # Story 1: the daughter and her mother, 82, in a wheelchair, toward Russia.
    DemoRequest("+79100000001", "RU", members=(("Валентина", "wheelchair", False),)),
    # A bedridden father after a stroke: a stretcher, and a medic on the way.
    DemoRequest(
        "+79100000003", "RU", extra=(("Николай", "Кравцов", "1949-06-11", "stretcher", True),)
    ),
    DemoRequest(
        "+79100000004",
        "UA",
        extra=(
            ("Тетяна", "Лисенко", "1945-10-02", "walking", False),
            ("Іван", "Лисенко", "1956-01-20", "walking", False),
        ),
    ),
    DemoRequest(
        "+79100000006",
        "UA",
        extra=(
            ("Остап", "Ткаченко", "1993-08-08", "walking", False),
            ("Марко", "Ткаченко", "2021-04-04", "walking", False),
            ("Софія", "Ткаченко", "2023-09-15", "walking", False),
            ("Петро", "Ткаченко", "1964-03-03", "walking", False),
        ),
    ),
    DemoRequest(
        "+79100000015",
        "RU",
        extra=(
            ("Людмила", "Фролова", "1969-05-05", "wheelchair", False),
            ("Илья", "Фролов", "2004-07-07", "walking", False),
        ),
    ),
)


@dataclass(frozen=True)
class EvacuationDemo:
    corridors: int
    requests: int


def _next_saturday(now: dt.datetime) -> dt.date:
    today = timezone.localtime(now).date()
    return today + dt.timedelta(days=(5 - today.weekday()) % 7 or 7)


def _corridor(name: str, direction: str, reception: str, *, day: dt.date, by: User | None) -> bool:
    if Corridor.objects.filter(name=name).exists():
        return False
    zone = timezone.get_current_timezone()
    starts = dt.datetime.combine(day, dt.time(8, 0), tzinfo=zone)
    corridor = services.corridor_create(
        CorridorInput(
            name=name,
            direction=direction,
            stops=(StopInput("assembly", SUDZHA), StopInput("reception", reception)),
            windows=(WindowInput(starts, starts + dt.timedelta(hours=6)),),
            parties=(PartyInput("ICRC", "guarantor", timezone.now()),),
        ),
        by=by,
    )
    services.corridor_transition(corridor, to="agreed", by=by, note="ICRC confirmed the pause.")
    window = corridor.windows.get()
    convoy = services.convoy_create(
        window,
        name=f"{name}, convoy 1",
        departure_at=starts + dt.timedelta(minutes=30),
        assembly_point_id=SUDZHA,
        by=by,
    )
    for vehicle in FLEET:
        services.vehicle_add(convoy, vehicle, by=by)
    return True


def _request(demo: DemoRequest, *, by: User | None) -> bool:
    caller = person_lookup(phone=demo.phone).first()
    if caller is None:
        return False
    case = (
        Case.objects.filter(caller=caller, status__in=OPEN_STATUSES).order_by("created_at").first()
    )
    if case is None or case.household is None:
        return False
    if EvacuationRequest.objects.filter(case=case).exists():
        return False
    consent = "written" if case.channel != "phone" else "verbal"
    members = [
        MemberInput(
            going=True,
            consent_method=consent,
            person_id=caller.pk,
            mobility=demo.caller_mobility,
        )
    ]
    relatives = {p.given_name: p for p in case.household.members.exclude(pk=caller.pk)}
    for given, mobility, medic in demo.members:
        relative = relatives.get(given)
        if relative is not None:
            members.append(
                MemberInput(
                    going=True,
                    consent_method=consent,
                    person_id=relative.pk,
                    mobility=mobility,
                    needs_medic=medic,
                )
            )
    for given, family, born, mobility, medic in demo.extra:
        members.append(
            MemberInput(
                going=True,
                consent_method=consent,
                new_person=PersonInput(
                    given_name=given,
                    family_name=family,
                    birth_date=dt.date.fromisoformat(born),
                    consent_method=consent,
                ),
                mobility=mobility,
                needs_medic=medic,
            )
        )
    services.request_create(case, direction=demo.direction, members=members, by=by)
    return True


@transaction.atomic
def demo_load(*, now: dt.datetime | None = None) -> EvacuationDemo:
    """Return how many demo corridors and requests were created (none on a rerun).

    Needs the gazetteer, the demo users and the hotline's demo cases.
    """
    now = now or timezone.now()
    coordinator = User.objects.filter(username="coordinator").first()
    day = _next_saturday(now)
    corridors = sum(
        _corridor(name, direction, reception, day=day, by=coordinator)
        for name, direction, reception in CORRIDORS
    )
    requests = sum(_request(demo, by=coordinator) for demo in REQUESTS)
    return EvacuationDemo(corridors=corridors, requests=requests)
