"""Corridors, convoys, requests, runs, manifests and boarding as the JSON API reads and writes them."""

from typing import Annotated, Literal

from ninja import Field, Schema
from pydantic import (
    AwareDatetime,
    StrictBool,
    StrictFloat,
    StrictInt,
    StringConstraints,
)

from reliefline.evacuation.models import (
    AllocationRun,
    Convoy,
    Corridor,
    EvacuationRequest,
    ManifestIssue,
    Placement,
    Vehicle,
)
from reliefline.evacuation.services import (
    CorridorInput,
    MemberInput,
    PartyInput,
    StopInput,
    VehicleInput,
    WindowInput,
)
from reliefline.people.services import PersonInput
from reliefline.schemas import Id, IsoDate, IsoDateTime, ObjectIn

Direction = Literal["UA", "RU"]
Mobility = Literal["walking", "wheelchair", "stretcher"]
Consent = Literal["verbal", "written", "in_person", "not_obtained"]


# A corridor's route, windows and parties read as they are written: input and output.
class StopIO(ObjectIn):
    kind: Literal["assembly", "waypoint", "reception"]
    place_id: str = Field(max_length=64)


class WindowIO(ObjectIn):
    id: StrictInt | None = None
    starts_at: IsoDateTime
    ends_at: IsoDateTime


class PartyIO(ObjectIn):
    name: str = Field(max_length=120)
    role: Literal["guarantor", "party"] = "guarantor"
    agreed_at: IsoDateTime | None = None


class CorridorIn(ObjectIn):
    name: str = Field(max_length=120)
    direction: Direction
    stops: list[StopIO] = Field(max_length=20)
    windows: list[WindowIO] = Field(default_factory=list, max_length=20)
    parties: list[PartyIO] = Field(default_factory=list, max_length=20)

    def to_input(self) -> CorridorInput:
        return CorridorInput(
            name=self.name,
            direction=self.direction,
            stops=[StopInput(s.kind, s.place_id) for s in self.stops],
            windows=[WindowInput(w.starts_at, w.ends_at) for w in self.windows],
            parties=[PartyInput(p.name, p.role, p.agreed_at) for p in self.parties],
        )


class CorridorEventOut(Schema):
    from_status: str
    to_status: str
    note: str
    by: str | None
    at: AwareDatetime


class CorridorOut(Schema):
    id: int
    name: str
    direction: Direction
    status: str
    stops: list[StopIO]
    windows: list[WindowIO]
    parties: list[PartyIO]
    timeline: list[CorridorEventOut]


class TransitionIn(ObjectIn):
    status: Literal["proposed", "agreed", "open", "suspended", "closed"]
    note: str = Field(default="", max_length=500)


class ConvoyIn(ObjectIn):
    window_id: Id
    name: str = Field(max_length=120)
    departure_at: IsoDateTime
    assembly_point: str = Field(max_length=64)


class RescheduleIn(ObjectIn):
    departure_at: IsoDateTime


class VehicleIn(ObjectIn):
    label: str = Field(max_length=60)
    seats: StrictInt = Field(default=0, ge=0, le=120)
    wheelchair_places: StrictInt = Field(default=0, ge=0, le=20)
    stretcher_places: StrictInt = Field(default=0, ge=0, le=20)
    has_medic: StrictBool = False

    def to_input(self) -> VehicleInput:
        return VehicleInput(
            self.label, self.seats, self.wheelchair_places, self.stretcher_places, self.has_medic
        )


class PlacementOut(Schema):
    code: str
    person_id: int
    name: str
    request_id: int
    kind: str
    number: int
    status: str


class VehicleOut(Schema):
    id: int
    label: str
    seats: int
    wheelchair_places: int
    stretcher_places: int
    has_medic: bool
    placements: list[PlacementOut] = Field(default_factory=list)


class ConvoyOut(Schema):
    id: int
    name: str
    corridor_id: int
    window_id: int
    direction: Direction
    departure_at: AwareDatetime
    assembly_point: str
    locked_at: AwareDatetime | None
    vehicles: list[VehicleOut]


class RunOut(Schema):
    id: int
    convoy_id: int
    at: AwareDatetime
    status: str
    allocated: int
    objective: int
    bound: int
    seconds: float
    stopped_by_clock: bool = Field(
        description="The time limit ended the search before its usual work: allocate again "
        "when the server is quieter for the best allocation."
    )
    left_out: dict[str, str]


class RunIn(ObjectIn):
    time_limit: StrictFloat = Field(default=10.0, gt=0, le=60)


class PlaceIn(ObjectIn):
    request_id: Id
    vehicle_id: Id


class NewPersonIn(ObjectIn):
    """A member not yet recorded. No phone: the caller's speaks for the household, so a
    member's is not collected here (sent, it is a 422 like any other unknown field)."""

    given_name: str = Field(default="", max_length=100)
    family_name: str = Field(default="", max_length=100)
    patronymic: str = Field(default="", max_length=100)
    birth_date: IsoDate | None = None


class MemberIn(ObjectIn):
    going: StrictBool
    consent_method: Consent
    person_id: Id | None = None
    new_person: NewPersonIn | None = None
    mobility: Mobility = "walking"
    needs_medic: StrictBool = False

    def to_input(self) -> MemberInput:
        new = None
        if self.new_person is not None:
            new = PersonInput(
                given_name=self.new_person.given_name,
                family_name=self.new_person.family_name,
                patronymic=self.new_person.patronymic,
                birth_date=self.new_person.birth_date,
                consent_method=self.consent_method,
            )
        return MemberInput(
            going=self.going,
            consent_method=self.consent_method,
            person_id=self.person_id,
            new_person=new,
            mobility=self.mobility,
            needs_medic=self.needs_medic,
        )


class RequestIn(ObjectIn):
    case: str = Field(max_length=16)
    direction: Direction
    members: list[MemberIn] = Field(max_length=50)


class CancelIn(ObjectIn):
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]


class AmendIn(ObjectIn):
    """An amendment in place: what is given replaces what the request says, what is left
    out stays as it is; `members` is the request's whole list, as at its creation. A field
    misspelt or not amendable is refused (ObjectIn): an amendment that silently changed
    nothing would read as done."""

    direction: Direction | None = None
    members: list[MemberIn] | None = Field(default=None, max_length=50)
    reason: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] = ""


class MemberOut(Schema):
    person_id: int
    name: str
    going: bool
    mobility: str
    needs_medic: bool
    consent_method: str
    consent_at: AwareDatetime


class RequestOut(Schema):
    id: int
    case: str
    direction: Direction
    priority: int
    requested_at: AwareDatetime
    status: str
    members: list[MemberOut]


class ManifestIn(ObjectIn):
    kind: Literal["internal", "checkpoint"]
    language: Literal["uk", "ru", "en"]
    recipient: str = Field(max_length=200)
    format: Literal["json", "csv", "pdf"] = Field(
        "json",
        description="json: the rows in this answer; csv or pdf: the manifest as a file "
        "(text/csv, application/pdf) with the same 201 status.",
    )


class ManifestOut(Schema):
    id: int
    vehicle_id: int
    kind: str
    format: str
    language: str
    recipient: str
    passengers: int
    issued_by: str | None
    issued_at: AwareDatetime
    columns: list[str] = Field(default_factory=list)
    rows: list[dict[str, str]] = Field(default_factory=list)


class BoardingIn(ObjectIn):
    code: str = Field(max_length=40)  # as the field page takes it: spaces and dashes
    status: Literal["boarded", "no_show", "arrived"]


def corridor_out(corridor: Corridor) -> CorridorOut:
    return CorridorOut(
        id=corridor.pk,
        name=corridor.name,
        direction=corridor.direction,  # type: ignore[arg-type]
        status=corridor.status,
        stops=[StopIO(kind=s.kind, place_id=s.place_id) for s in corridor.stops.all()],  # type: ignore[arg-type]
        windows=[
            WindowIO(id=w.pk, starts_at=w.starts_at, ends_at=w.ends_at)
            for w in corridor.windows.all()
        ],
        parties=[
            PartyIO(name=p.name, role=p.role, agreed_at=p.agreed_at)  # type: ignore[arg-type]
            for p in corridor.parties.all()
        ],
        timeline=[
            CorridorEventOut(
                from_status=e.from_status,
                to_status=e.to_status,
                note=e.display_text,  # in the reader's language, as the page shows it
                by=e.by.username if e.by else None,
                at=e.at,
            )
            for e in corridor.events.all()
        ],
    )


def placement_out(p: Placement) -> PlacementOut:
    return PlacementOut(
        code=p.code,
        person_id=p.person_id,
        name=p.person.full_name,
        request_id=p.member.request_id,
        kind=p.kind,
        number=p.number,
        status=p.status,
    )


def vehicle_out(v: Vehicle, placements: list[Placement] | None = None) -> VehicleOut:
    return VehicleOut(
        id=v.pk,
        label=v.label,
        seats=v.seats,
        wheelchair_places=v.wheelchair_places,
        stretcher_places=v.stretcher_places,
        has_medic=v.has_medic,
        placements=[placement_out(p) for p in placements or []],
    )


def convoy_out(convoy: Convoy, loads: dict[int, list[Placement]]) -> ConvoyOut:
    corridor = convoy.window.corridor
    return ConvoyOut(
        id=convoy.pk,
        name=convoy.name,
        corridor_id=corridor.pk,
        window_id=convoy.window_id,
        direction=corridor.direction,  # type: ignore[arg-type]
        departure_at=convoy.departure_at,
        assembly_point=convoy.assembly_point_id,
        locked_at=convoy.locked_at,
        vehicles=[vehicle_out(v, loads.get(v.pk, [])) for v in convoy.vehicles.all()],
    )


def run_out(run: AllocationRun) -> RunOut:
    return RunOut(
        id=run.pk,
        convoy_id=run.convoy_id,
        at=run.at,
        status=run.status,
        allocated=run.allocated,
        objective=run.objective,
        bound=run.bound,
        seconds=run.seconds,
        stopped_by_clock=run.stopped_by_clock,
        left_out=run.left_out,
    )


def request_out(request: EvacuationRequest) -> RequestOut:
    return RequestOut(
        id=request.pk,
        case=str(request.case.reference),
        direction=request.direction,  # type: ignore[arg-type]
        priority=request.priority,
        requested_at=request.requested_at,
        status=request.status,
        members=[
            MemberOut(
                person_id=m.person_id,
                name=m.person.full_name,
                going=m.going,
                mobility=m.mobility,
                needs_medic=m.needs_medic,
                consent_method=m.consent_method,
                consent_at=m.consent_at,
            )
            for m in request.members.all()
        ],
    )


def manifest_out(
    issue: ManifestIssue, columns: tuple[str, ...] = (), rows: list[dict[str, str]] | None = None
) -> ManifestOut:
    return ManifestOut(
        id=issue.pk,
        vehicle_id=issue.vehicle_id,
        kind=issue.kind,
        format=issue.format,
        language=issue.language,
        recipient=issue.recipient,
        passengers=issue.passengers,
        issued_by=issue.issued_by.username if issue.issued_by else None,
        issued_at=issue.issued_at,
        columns=list(columns),
        rows=rows or [],
    )
