"""The demo's situation claims, the ICRC as a partner, its agreement and 3W; safe to rerun.

The two headline figures are real claims from named sources (scenario.md): on
13 August 2024 one side said it controlled 74 settlements, and the Institute for the
Study of War counted about 41. Neither published the per-settlement list that the
demo attaches to its claim: which gazetteer settlements each names is illustrative,
and every claim's note says so.
"""

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from reliefline.partners.models import (
    Activity,
    Organisation,
    OrganisationKind,
    Sector,
    SharingAgreement,
)
from reliefline.partners.services import AgreementInput, agreement_create, membership_add
from reliefline.places.claims import ClaimInput, claim_record
from reliefline.places.models import RESIDENT_SOURCE, Claim, Place, SourceKind

SUDZHA = "geonames-postal:RU-307800"
# Sudzha district, as the gazetteer has it: the town first, then its neighbours.
PARTY_NAMED = [
    SUDZHA,
    "geonames-postal:RU-307815",  # Guyevo
    "geonames-postal:RU-307821",  # Makhnovka
    "geonames-postal:RU-307820",  # Zamostye
    "geonames-postal:RU-307833",  # Martynovka
    "geonames-postal:RU-307824",  # Borki
    "geonames-postal:RU-307823",  # Plekhovo
    "geonames-postal:RU-307814",  # Gogolevka
    "geonames-postal:RU-307812",  # Sverdlikovo
    "geonames-postal:RU-307832",  # Cherkasskoye Porechnoye
    "geonames-postal:RU-307811",  # Lebedevka
    "geonames-postal:RU-307822",  # Ulanok
    "geonames-postal:RU-307825",  # Vorobzha
    "geonames-postal:RU-307831",  # Zaoleshenka
    "geonames-postal:RU-307826",  # Nizhnemakhovo
    "geonames-postal:RU-307836",  # Pogrebki
]
ISW_HELD = PARTY_NAMED[:8]
ISW_CONTESTED = [
    "geonames-postal:RU-307833",  # Martynovka
    "geonames-postal:RU-307832",  # Cherkasskoye Porechnoye
    "geonames-postal:RU-307836",  # Pogrebki
    "geonames-postal:RU-307826",  # Nizhnemakhovo
]
ILLUSTRATIVE = "Which gazetteer settlements this claim names is illustrative demo data."
PARTY = "Armed Forces of Ukraine (commander-in-chief's statement)"
ISW = "Institute for the Study of War"
ISW_URL = "https://www.understandingwar.org/"
TV = "TV news programme (via a newspaper's translation)"
AUG_13 = dt.date(2024, 8, 13)

CLAIMS = [
    ClaimInput(
        attribute="control",
        value="ukrainian_forces",
        source=PARTY,
        source_kind=SourceKind.PARTY,
        stated_at=AUG_13,
        settlements=PARTY_NAMED,
        stated_count=74,
        note="74 settlements and about 1,000 km² (386 sq mi). " + ILLUSTRATIVE,
    ),
    ClaimInput(
        attribute="control",
        value="ukrainian_forces",
        source=ISW,
        source_kind=SourceKind.ANALYST,
        stated_at=AUG_13,
        settlements=[p for p in ISW_HELD if p not in ISW_CONTESTED],
        stated_count=41,
        confidence="likely",
        url=ISW_URL,
        note="Forces operate in or near about 41 settlements. " + ILLUSTRATIVE,
    ),
    ClaimInput(
        attribute="control",
        value="contested",
        source=ISW,
        source_kind=SourceKind.ANALYST,
        stated_at=AUG_13,
        settlements=ISW_CONTESTED,
        confidence="likely",
        url=ISW_URL,
        note=ILLUSTRATIVE,
    ),
    ClaimInput(
        attribute="population",
        value="some",
        source=TV,
        source_kind=SourceKind.MEDIA,
        stated_at=dt.date(2024, 8, 12),
        settlements=[SUDZHA],
        note="Troops hand residents who stayed water, canned goods and biscuits.",
    ),
    ClaimInput(
        attribute="water",
        value="none",
        source=RESIDENT_SOURCE,
        source_kind=SourceKind.RESIDENTS,
        stated_at=dt.date(2024, 8, 14),
        settlements=[SUDZHA],
        note="Callers report no running water.",
    ),
]


@dataclass(frozen=True)
class DemoResult:
    claims: int
    agreement: bool


def _claims(by: User | None) -> int:
    created = 0
    for data in CLAIMS:
        exists = Claim.objects.filter(
            source__name=data.source,
            attribute=data.attribute,
            value=data.value,
            stated_at=data.stated_at,
        ).exists()
        if not exists:
            claim_record(data, by=by, today=timezone.localdate())
            created += 1
    return created


def _icrc(partner: User | None, coordinator: User | None) -> bool:
    icrc, _created = Organisation.objects.get_or_create(
        name="International Committee of the Red Cross",
        defaults={"acronym": "ICRC", "kind": OrganisationKind.RED_CROSS},
    )
    if partner is not None:
        membership_add(partner, icrc)
    now = timezone.now()
    in_force = SharingAgreement.objects.filter(
        organisation=icrc, starts_at__lte=now, ends_at__gt=now, revoked_at__isnull=True
    ).exists()
    if not in_force:
        agreement_create(
            AgreementInput(
                organisation_id=icrc.pk,
                purpose="Evacuation and medical follow-up of people who cannot leave alone",
                # The ICRC guarantees the demo's corridors: it checks passage at checkpoints.
                categories=["aggregates", "cases", "manifests"],
                need_types=["medicine", "evacuation"],
                settlements=PARTY_NAMED,
                fields=["household_size", "vulnerabilities", "language"],
                starts_at=now - dt.timedelta(days=1),
                ends_at=now + dt.timedelta(days=30),
            ),
            by=coordinator,
        )
    sudzha = Place.objects.get(pk=SUDZHA)
    for sector, description, targeted, reached in [
        (Sector.HEALTH, "Insulin and chronic-disease medicines", 400, 120),
        (Sector.WASH, "Drinking water distribution", 3000, 1800),
    ]:
        Activity.objects.get_or_create(
            organisation=icrc,
            sector=sector,
            settlement=sudzha,
            defaults={
                "description": description,
                "starts_on": dt.date(2024, 8, 15),
                "ends_on": dt.date(2024, 9, 15),
                "targeted": targeted,
                "reached": reached,
                "entered_by": coordinator,
            },
        )
    return not in_force


@transaction.atomic
def demo_load() -> DemoResult:
    """Return what was loaded: the scenario's claims, the ICRC, its agreement and 3W."""
    partner = User.objects.filter(username="partner").first()
    coordinator = User.objects.filter(username="coordinator").first()
    return DemoResult(claims=_claims(coordinator), agreement=_icrc(partner, coordinator))
