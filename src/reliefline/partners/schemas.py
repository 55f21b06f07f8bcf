"""Organisations, agreements, 3W and shared cases as the JSON API shows them."""

import datetime as dt
from typing import Literal

from ninja import Field, Schema
from pydantic import StrictInt

from reliefline.evacuation.schemas import PartyIO, StopIO, WindowIO, corridor_out
from reliefline.hotline.models import Case
from reliefline.partners.models import Activity, Referral, SharedField, SharingAgreement
from reliefline.partners.selectors import Access, SharedCase, SharedCorridor, activity_figures
from reliefline.schemas import Id, IsoDate, IsoDateTime, ObjectIn


class AgreementIn(ObjectIn):
    organisation: Id
    purpose: str = Field(max_length=300)
    categories: list[str] = Field(max_length=3)
    need_types: list[str] = Field(default_factory=list, max_length=20)
    settlements: list[str] = Field(default_factory=list, max_length=500)
    fields: list[str] = Field(default_factory=list, max_length=10)
    starts_at: IsoDateTime
    ends_at: IsoDateTime


class AgreementOut(Schema):
    id: int
    organisation: str
    purpose: str
    categories: list[str]
    need_types: list[str]
    settlements: list[str]
    fields: list[str]
    starts_at: dt.datetime
    ends_at: dt.datetime
    revoked_at: dt.datetime | None
    in_force: bool


class ActivityIn(ObjectIn):
    organisation: Id
    sector: str = Field(max_length=16)
    description: str = Field(max_length=200)
    settlement: str = Field(max_length=64)
    starts_on: IsoDate
    ends_on: IsoDate
    targeted: StrictInt = Field(ge=0, le=10_000_000)
    reached: StrictInt = Field(0, ge=0, le=10_000_000)


HIDDEN_FIGURE = (
    "null: fewer than RELIEFLINE_SMALL_CELL people (not none), hidden from a reader who is "
    "neither the operation's staff nor a member of the reporting organisation, so that "
    "nobody can be singled out (null in either RELIEFLINE_SMALL_CELL_MODE)."
)


class ActivityOut(Schema):
    id: int
    organisation: str
    sector: str
    description: str
    settlement: str
    starts_on: dt.date
    ends_on: dt.date
    targeted: int | None = Field(description=f"People targeted. {HIDDEN_FIGURE}")
    reached: int | None = Field(description=f"People reached. {HIDDEN_FIGURE}")


class ActivityQuery(Schema):
    organisation: str = Field("", max_length=200)
    sector: str = Field("", max_length=16)
    settlement: str = Field("", max_length=64)


class SharedCaseOut(Schema):
    """A case as a partner sees it: the personal fields only where an agreement grants them."""

    reference: str
    settlement: str | None
    status: str
    needs: list[str]
    name: str | None = None
    phone: str | None = None
    birth_date: dt.date | None = None
    household_size: int | None = None
    vulnerabilities: list[str] | None = None
    language: str | None = None
    note: str | None = None


class ReferralIn(ObjectIn):
    case: str = Field(max_length=20)
    agreement: Id
    need_types: list[str] = Field(max_length=20)


class ReferralAnswer(ObjectIn):
    note: str = Field("", max_length=500)


class ReferralOut(Schema):
    id: int
    organisation: str
    status: str
    need_types: list[str]
    fields: list[str]
    referred_at: dt.datetime
    responded_at: dt.datetime | None
    case: SharedCaseOut


def agreement_out(agreement: SharingAgreement, *, at: dt.datetime) -> AgreementOut:
    return AgreementOut(
        id=agreement.pk,
        organisation=str(agreement.organisation),
        purpose=agreement.purpose,
        categories=agreement.categories,
        need_types=agreement.need_types,
        settlements=[p.pk for p in agreement.settlements.all()],
        fields=agreement.fields,
        starts_at=agreement.starts_at,
        ends_at=agreement.ends_at,
        revoked_at=agreement.revoked_at,
        in_force=agreement.in_force(at),
    )


def activity_out(activity: Activity, *, access: Access) -> ActivityOut:
    """Return the 3W line with the people figures the reader may read; a hidden one,
    "" or "<k" in the exports, is null here, so that a typed client still gets a number
    or nothing."""
    targeted, reached = activity_figures(activity, access=access)
    return ActivityOut(
        id=activity.pk,
        organisation=str(activity.organisation),
        sector=activity.sector,
        description=activity.description,
        settlement=activity.settlement_id,
        starts_on=activity.starts_on,
        ends_on=activity.ends_on,
        targeted=targeted if isinstance(targeted, int) else None,
        reached=reached if isinstance(reached, int) else None,
    )


def shared_case_out(
    case: Case, *, fields: frozenset[str], need_types: frozenset[str]
) -> SharedCaseOut:
    """Return the case with exactly the granted fields; every other one is left out."""
    caller = case.caller
    out = SharedCaseOut(
        reference=str(case.reference),
        settlement=case.settlement_id,
        status=case.status,
        needs=sorted({n.type for n in case.needs.all() if n.type in need_types}),
    )
    if SharedField.NAME in fields and caller is not None:
        out.name = " ".join(
            p for p in (caller.given_name, caller.patronymic, caller.family_name) if p
        )
    if SharedField.PHONE in fields and caller is not None:
        out.phone = caller.phone
    if SharedField.BIRTH_DATE in fields and caller is not None:
        out.birth_date = caller.birth_date
    if SharedField.HOUSEHOLD_SIZE in fields:
        out.household_size = case.household_size
    if SharedField.VULNERABILITIES in fields:
        out.vulnerabilities = list(case.vulnerabilities)
    if SharedField.LANGUAGE in fields:
        out.language = case.language
    if SharedField.NOTE in fields:
        out.note = case.message
    return out


def shared_out(shared: SharedCase) -> SharedCaseOut:
    return shared_case_out(shared.case, fields=shared.fields, need_types=shared.need_types)


def referral_out(referral: Referral) -> ReferralOut:
    return ReferralOut(
        id=referral.pk,
        organisation=str(referral.agreement.organisation),
        status=referral.status,
        need_types=referral.need_types,
        fields=referral.fields,
        referred_at=referral.referred_at,
        responded_at=referral.responded_at,
        case=shared_case_out(
            referral.case,
            fields=frozenset(referral.fields),
            need_types=frozenset(referral.need_types),
        ),
    )


class SharedVehicleOut(Schema):
    id: int
    label: str
    convoy: str
    departure_at: dt.datetime
    assembly_point: str


class SharedCorridorOut(Schema):
    """A corridor a sharing agreement covers: its plan and vehicles, never its passengers."""

    id: int
    name: str
    direction: str
    status: str
    organisation: str = Field(description="The organisation its manifests are issued to.")
    stops: list[StopIO]
    windows: list[WindowIO]
    parties: list[PartyIO]
    vehicles: list[SharedVehicleOut]


class ManifestQuery(Schema):
    format: Literal["csv", "pdf", "html"] = "csv"
    language: str = Field(
        "", max_length=2, description="uk, ru or en for the headers; else the request's."
    )


def shared_corridor_out(shared: SharedCorridor) -> SharedCorridorOut:
    """Return the corridor's plan as evacuation shows it, without its internal timeline."""
    plan = corridor_out(shared.corridor).model_dump(exclude={"timeline"})
    return SharedCorridorOut(
        **plan,
        organisation=shared.organisation.name,
        vehicles=[
            SharedVehicleOut(
                id=v.pk,
                label=v.label,
                convoy=v.convoy.name,
                departure_at=v.convoy.departure_at,
                assembly_point=str(v.convoy.assembly_point),
            )
            for v in shared.vehicles
        ],
    )
