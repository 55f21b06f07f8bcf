"""Evacuation state built through the services, as a coordinator would build it."""

import datetime as dt
from collections.abc import Sequence

from django.contrib.auth.models import User
from django.utils import timezone

from reliefline.evacuation import services
from reliefline.evacuation.models import Convoy, Corridor, EvacuationRequest, Vehicle
from reliefline.evacuation.services import (
    CorridorInput,
    MemberInput,
    PartyInput,
    StopInput,
    VehicleInput,
    WindowInput,
)
from reliefline.hotline.models import Case
from reliefline.hotline.services import NeedInput
from reliefline.hotline.tests.factories import open_case
from reliefline.people.services import PersonInput, person_create

__all__ = ["NeedInput", "PersonInput", "open_case", "person_create"]

SUDZHA = "geonames-postal:RU-307800"
SUMY = "geonames:692194"
KURSK = "geonames:538560"


def corridor(*, direction: str = "UA", by: User | None = None, name: str = "") -> Corridor:
    """Return a proposed corridor from Sudzha to Sumy (UA) or Kursk (RU), ICRC guarantor.

    Needs the gazetteer fixture.
    """
    start = timezone.now() + dt.timedelta(days=1)
    return services.corridor_create(
        CorridorInput(
            name=name or f"Sudzha → {'Sumy' if direction == 'UA' else 'Kursk'}",
            direction=direction,
            stops=(
                StopInput("assembly", SUDZHA),
                StopInput("reception", SUMY if direction == "UA" else KURSK),
            ),
            windows=(WindowInput(start, start + dt.timedelta(hours=6)),),
            parties=(PartyInput("ICRC", "guarantor"),),
        ),
        by=by,
    )


def convoy(
    corridor_: Corridor | None = None,
    *,
    vehicles: Sequence[VehicleInput] = (VehicleInput("Bus 1", seats=2, wheelchair_places=1),),
    by: User | None = None,
) -> Convoy:
    """Return a convoy with vehicles on the corridor's first window (a new UA corridor if none)."""
    corridor_ = corridor_ or corridor(by=by)
    window = corridor_.windows.first()
    assert window is not None
    made = services.convoy_create(
        window,
        name=f"Convoy {corridor_.name}",
        departure_at=window.starts_at + dt.timedelta(hours=1),
        assembly_point_id=SUDZHA,
        by=by,
    )
    for data in vehicles:
        services.vehicle_add(made, data, by=by)
    return made


def request(
    *,
    direction: str = "UA",
    family: Sequence[tuple[str, str, bool]] = (),
    caller_mobility: str = "walking",
    phone: str = "+79101234567",
    given_name: str = "Ирина",
    medical_note: str = "",
    message: str = "",
    by: User | None = None,
) -> EvacuationRequest:
    """Return a request of a new case: the caller plus `family` (name, mobility, needs medic).

    `medical_note` adds a medical-care need with that note, `message` the caller's words:
    what a checkpoint manifest must never show.
    """
    medical = (NeedInput(type="medical_care", note=medical_note),) if medical_note else ()
    case: Case = open_case(
        phone=phone,
        given_name=given_name,
        needs=(NeedInput(type="evacuation"), *medical),
        household_size=1 + len(family),
        settlement_id=SUDZHA,
        message=message,
        by=by,
    )
    members = [
        MemberInput(
            going=True, consent_method="written", person_id=case.caller_id, mobility=caller_mobility
        )
    ]
    members += [
        MemberInput(
            going=True,
            consent_method="written",
            new_person=PersonInput(
                given_name=name, family_name="Петренко", birth_date=dt.date(1942, 5, 1)
            ),
            mobility=mobility,
            needs_medic=medic,
        )
        for name, mobility, medic in family
    ]
    return services.request_create(case, direction=direction, members=members, by=by)


def bus(convoy_: Convoy) -> Vehicle:
    found = convoy_.vehicles.order_by("pk").first()
    assert found is not None
    return found


def allocated_convoy(
    *,
    by: User,
    seats: int = 3,
    wheelchair_places: int = 0,
    family: Sequence[tuple[str, str, bool]] = (),
) -> Convoy:
    """Return a convoy of one bus holding the household of one new request (the caller
    plus `family`, as request() takes it), allocated."""
    made = convoy(
        vehicles=[VehicleInput("Bus", seats=seats, wheelchair_places=wheelchair_places)], by=by
    )
    request(family=family, by=by)
    services.convoy_allocate(made, by=by, time_limit=2)
    return made


# Plans are for days to come (a window already ended is refused): a year ahead, the
# same day and hour on every run, so the clocks beside it read the same.
NEXT_YEAR = timezone.now().year + 1


def corridor_form(**changes: str) -> dict[str, str]:
    """Return what the coordinator's corridor form sends: Sudzha → Sumy next August,
    with the ICRC as guarantor, and `changes` typed over it."""
    return {
        "name": "Sudzha → Sumy",
        "direction": "UA",
        "assembly": SUDZHA,
        "waypoint": "",
        "reception": SUMY,
        "starts_at": f"{NEXT_YEAR}-08-17T08:00",
        "ends_at": f"{NEXT_YEAR}-08-17T14:00",
        "guarantor": "ICRC",
        "party_role": "guarantor",
        **changes,
    }
