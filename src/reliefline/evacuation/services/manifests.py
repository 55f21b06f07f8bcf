"""Manifests of a vehicle: the internal one, and the checkpoint one for a party or guarantor.

The checkpoint manifest carries only what passage needs (name, birth year, place,
vehicle): never a phone, an address, a medical detail or a case note, nor the kind of
place (a wheelchair or stretcher place), because it is handed to a party to the
conflict. Every manifest issued is recorded with its recipient and audited as an
export of the passengers' data.
"""

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from reliefline.access import audit_labels
from reliefline.access.audit import audit_record
from reliefline.access.models import AuditAction
from reliefline.errors import InvalidInput

# A module, not its functions: the selectors import the services.
from reliefline.evacuation import selectors
from reliefline.evacuation.models import (
    HOLDING,
    ManifestIssue,
    ManifestKind,
    PlaceKind,
    Placement,
    Vehicle,
)
from reliefline.evacuation.services.corridors import text_clean
from reliefline.people.models import Language
from reliefline.places.times import resident_time

# "json" is the API's answer with the rows; "html" the printable page.
FORMATS = ("csv", "html", "pdf", "json")
RECIPIENT_MAX = 200

# The only columns a checkpoint manifest may ever have (tested).
CHECKPOINT_COLUMNS = ("name", "birth_year", "seat", "vehicle")
INTERNAL_COLUMNS = (
    *CHECKPOINT_COLUMNS,
    "code",
    "place_kind",
    "mobility",
    "needs_medic",
    "case",
    "status",
)


@dataclass(frozen=True)
class ManifestHeading:
    """What a manifest says above its table, in its language.

    Every time on one clock, the assembly point's, which the checkpoint and the families
    keep, and named: "28.11.2026 09:00 (Moscow time)". A time of issue on the hotline's
    clock, unnamed, beside it reads an hour off. The route is named from the gazetteer
    in that language, not by the corridor's name, which a coordinator typed in one
    language only.
    """

    route: str
    departure: str
    assembly_point: str
    issued_at: str


def manifest_heading(issue: ManifestIssue) -> ManifestHeading:
    """Return the heading of the issued manifest, in its language."""
    convoy = issue.vehicle.convoy
    place, language = convoy.assembly_point, issue.language
    return ManifestHeading(
        route=selectors.corridor_route(convoy.window.corridor, language),
        departure=resident_time(convoy.departure_at, place=place, language=language),
        assembly_point=place.display_name(language),
        issued_at=resident_time(issue.issued_at, place=place, language=language),
    )


@dataclass(frozen=True)
class Manifest:
    issue: ManifestIssue
    columns: tuple[str, ...]
    rows: list[dict[str, str]]
    headers: dict[str, str]

    def heading(self) -> ManifestHeading:
        """Return what the manifest says above its table (page and PDF alike)."""
        return manifest_heading(self.issue)

    def as_csv(self) -> str:
        """Return the manifest as CSV, with headers in the manifest's language."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow([self.headers[c] for c in self.columns])
        for row in self.rows:
            writer.writerow([row[c] for c in self.columns])
        return out.getvalue()

    def as_pdf(self) -> bytes:
        """Return the manifest as an A4 PDF in its language (internal: a QR code a row)."""
        # fpdf2 brings Pillow and fontTools: loaded when a PDF is made, not at start-up.
        from reliefline.evacuation.pdf import manifest_pdf

        return manifest_pdf(self)


def _headers() -> dict[str, str]:
    return {
        "name": _("Name"),
        "birth_year": _("Birth year"),
        "seat": _("Place"),
        "vehicle": _("Vehicle"),
        "code": _("Code"),
        "place_kind": _("Kind of place"),
        "mobility": _("Mobility"),
        "needs_medic": _("Needs a medic"),
        "case": _("Case"),
        "status": _("Status"),
    }


def _place(placement: Placement, kind: str) -> str:
    """Return the place as the manifest of `kind` names it.

    The checkpoint manifest numbers it across the vehicle and never says its kind: a
    wheelchair or stretcher place is health data, which a party to the conflict does
    not get. The internal one says the kind, as the convoy and field pages do.
    """
    if kind == ManifestKind.CHECKPOINT:
        return _("Place %(n)d") % {"n": placement.place_number}
    return f"{PlaceKind(placement.kind).label} {placement.number}"


def _row(placement: Placement, kind: str) -> dict[str, str]:
    person = placement.person
    member = placement.member
    return {
        "name": person.full_name,
        "birth_year": str(person.birth_date.year) if person.birth_date else "",
        "seat": _place(placement, kind),
        "vehicle": placement.vehicle.label,
        "code": placement.code,
        "place_kind": str(PlaceKind(placement.kind).label),
        "mobility": str(member.get_mobility_display()),
        "needs_medic": _("yes") if member.needs_medic else _("no"),
        "case": str(member.request.case.reference),
        "status": str(placement.get_status_display()),
    }


def _in_place_order(placements: Iterable[Placement]) -> list[Placement]:
    """Return the placements in the order of the vehicle's places (Vehicle.place_number).

    Not by kind then number: the kinds sort seat, stretcher, wheelchair, which would
    put the checkpoint manifest's places out of order.
    """
    return sorted(placements, key=lambda p: (p.place_number, p.pk))


def manifest_passengers(vehicle: Vehicle) -> list[Placement]:
    """Return who holds a place in the vehicle, in place order."""
    return _in_place_order(
        Placement.objects.filter(vehicle=vehicle, status__in=HOLDING).select_related(
            "person", "member__request__case", "vehicle"
        )
    )


def _holders_when_issued(issue: ManifestIssue) -> list[Placement]:
    """Return who held a place in the vehicle when the manifest was issued, in place order.

    Each placement's status then is its last event up to that moment, so a passenger
    marked boarded or a no-show since, or placed since, does not change the paper that
    was printed and signed.
    """
    holders = []
    for placement in (
        Placement.objects.filter(vehicle=issue.vehicle, created_at__lte=issue.issued_at)
        .select_related("person", "member__request__case", "vehicle")
        .prefetch_related("events")
    ):
        then = [event for event in placement.events.all() if event.at <= issue.issued_at]
        if then and then[-1].kind in HOLDING:
            placement.status = then[-1].kind
            holders.append(placement)
    return _in_place_order(holders)


def _manifest_of(issue: ManifestIssue, passengers: list[Placement]) -> Manifest:
    """Return the issued manifest again: its kind's columns, in its language."""
    columns = CHECKPOINT_COLUMNS if issue.kind == ManifestKind.CHECKPOINT else INTERNAL_COLUMNS
    with translation.override(issue.language):
        headers = _headers()
        rows = [{c: _row(p, issue.kind)[c] for c in columns} for p in passengers]
    return Manifest(issue=issue, columns=tuple(columns), rows=rows, headers=headers)


def manifest_as_issued(issue: ManifestIssue) -> tuple[Manifest, list[Placement]]:
    """Return a manifest already issued as it was printed, and the placements on it."""
    passengers = _holders_when_issued(issue)
    return _manifest_of(issue, passengers), passengers


@transaction.atomic
def manifest_issue(
    vehicle: Vehicle,
    *,
    kind: str,
    language: str,
    recipient: str,
    format: str,
    by: User | None,
) -> Manifest:
    """Return the vehicle's manifest in the language, recorded as handed to `recipient`."""
    if kind not in ManifestKind.values:
        raise InvalidInput(_("Unknown manifest kind."), field="kind")
    if language not in Language.values:
        raise InvalidInput(_("Unknown language."), field="language")
    if format not in FORMATS:
        raise InvalidInput(_("Unknown format."), field="format")
    recipient = text_clean(recipient, limit=RECIPIENT_MAX, field="recipient", required=True)
    passengers = manifest_passengers(vehicle)
    columns: Sequence[str] = (
        CHECKPOINT_COLUMNS if kind == ManifestKind.CHECKPOINT else INTERNAL_COLUMNS
    )
    with translation.override(language):
        headers = _headers()
        rows = [{c: _row(p, kind)[c] for c in columns} for p in passengers]
    issue = ManifestIssue.objects.create(
        vehicle=vehicle,
        kind=kind,
        format=format,
        language=language,
        recipient=recipient,
        passengers=len(rows),
        issued_by=by,
    )
    audit_record(
        user=by,
        action=AuditAction.EXPORT,
        record=f"evacuation.manifest:{issue.pk}",
        purpose=audit_labels.MANIFEST.text(kind=kind, recipient=recipient),
        person_ids=[p.person_id for p in passengers],
        fields=columns,
    )
    return Manifest(issue=issue, columns=tuple(columns), rows=rows, headers=headers)
