"""Corridor manifests for a partner: only under an agreement in force that shares them and
covers the corridor's route, only of a locked convoy, only the checkpoint manifest, and
every one recorded."""

import csv
import datetime as dt
import io
from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone
from pypdf import PdfReader

from conftest import SUDZHA
from reliefline.access.models import AuditEntry
from reliefline.evacuation import services as evacuation
from reliefline.evacuation.models import Corridor, ManifestIssue, Vehicle
from reliefline.evacuation.tests import factories as f
from reliefline.partners.models import Organisation, SharingAgreement
from reliefline.partners.tests.factories import AgreementFactory, OrganisationFactory
from reliefline.places.models import Place

pytestmark = pytest.mark.usefixtures("gazetteer")

CORRIDORS = "/api/v1/partners/corridors"
KURSK = "geonames:538560"
ApiAs = Callable[[str], Client]


@pytest.fixture
def draft() -> Vehicle:
    """Return the bus of a convoy from Sudzha toward Sumy, with a mother and daughter placed
    on it, not yet locked."""
    convoy = f.convoy()
    family = f.request(family=[("Мария", "walking", False)])
    vehicle = f.bus(convoy)
    evacuation.request_place(family, vehicle, by=None)
    return vehicle


@pytest.fixture
def bus(draft: Vehicle) -> Vehicle:
    """Return the bus of a convoy from Sudzha toward Sumy, with a mother and daughter on it,
    locked: who travels is fixed and they were told to come."""
    evacuation.convoy_lock(draft.convoy, by=None)
    return draft


def _corridor(vehicle: Vehicle) -> Corridor:
    return vehicle.convoy.window.corridor


def _manifest_url(vehicle: Vehicle, *, format: str = "csv") -> str:
    return f"{CORRIDORS}/{_corridor(vehicle).pk}/manifests/{vehicle.pk}?format={format}"


def _agreement(
    organisation: Organisation, *, places: tuple[str, ...] = (SUDZHA,), **overrides: object
) -> SharingAgreement:
    settlements = list(Place.objects.filter(pk__in=places))
    overrides.setdefault("categories", ["aggregates", "manifests"])
    return AgreementFactory(organisation=organisation, settlements=settlements, **overrides)


def test_partner_sees_the_corridor_its_agreement_covers(
    partner_api: Client, icrc: Organisation, bus: Vehicle
) -> None:
    _agreement(icrc)

    (corridor,) = partner_api.get(CORRIDORS).json()

    assert corridor["id"] == _corridor(bus).pk
    assert corridor["organisation"] == icrc.name
    assert [s["place_id"] for s in corridor["stops"]] == [SUDZHA, f.SUMY]
    assert [v["label"] for v in corridor["vehicles"]] == ["Bus 1"]
    assert "timeline" not in corridor


def test_partner_downloads_a_checkpoint_manifest_of_exactly_four_columns(
    partner_api: Client, icrc: Organisation, bus: Vehicle
) -> None:
    _agreement(icrc)

    response = partner_api.get(_manifest_url(bus))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["Name", "Birth year", "Place", "Vehicle"]
    assert len(rows) == 3 and all(len(row) == 4 for row in rows)
    assert "Мария Петренко" in {row[0] for row in rows}


def test_granted_personal_fields_never_widen_the_manifest(
    partner_api: Client, icrc: Organisation, bus: Vehicle
) -> None:
    _agreement(icrc, fields=["name", "phone", "birth_date", "note", "vulnerabilities"])

    text = partner_api.get(_manifest_url(bus)).content.decode()

    assert text.splitlines()[0] == "Name,Birth year,Place,Vehicle"
    assert "+7910" not in text and "RL-" not in text


def test_each_manifest_handed_to_a_partner_is_recorded_and_audited(
    partner: User, partner_api: Client, icrc: Organisation, bus: Vehicle
) -> None:
    _agreement(icrc)

    partner_api.get(_manifest_url(bus))

    issue = ManifestIssue.objects.get()
    assert (issue.vehicle, issue.kind, issue.recipient, issue.issued_by, issue.passengers) == (
        bus,
        "checkpoint",
        icrc.name,
        partner,
        2,
    )
    entry = AuditEntry.objects.get(record=f"evacuation.manifest:{issue.pk}")
    assert (entry.user, entry.action) == (partner, "export")
    assert len(entry.person_ids) == 2
    assert sorted(entry.fields) == ["birth_year", "name", "seat", "vehicle"]


def test_printable_manifest_is_a_page_in_the_language_asked(
    partner_api: Client, icrc: Organisation, bus: Vehicle
) -> None:
    _agreement(icrc)

    response = partner_api.get(_manifest_url(bus, format="html") + "&language=ru")

    page = response.content.decode()
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    assert "Мария Петренко" in page and "Год рождения" in page
    assert ManifestIssue.objects.get().language == "ru"
    # The route from the gazetteer in Russian, and the issue on the departure's clock.
    assert "Суджа → Сумы" in page
    assert page.count("(по московскому времени)") >= 2


def test_partner_downloads_the_checkpoint_manifest_as_pdf(
    partner_api: Client, icrc: Organisation, bus: Vehicle
) -> None:
    _agreement(icrc)

    response = partner_api.get(_manifest_url(bus, format="pdf"))

    assert response["Content-Type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
    assert "Мария" in text and "+7910" not in text
    assert ManifestIssue.objects.get().format == "pdf"


@pytest.mark.parametrize("query", ["format=json", "format=xml", "format=csv&language=de"], ids=str)
def test_unknown_format_or_language_is_refused_and_nothing_recorded(
    partner_api: Client, icrc: Organisation, bus: Vehicle, query: str
) -> None:
    _agreement(icrc)

    url = f"{CORRIDORS}/{_corridor(bus).pk}/manifests/{bus.pk}?{query}"
    response = partner_api.get(url)

    assert response.status_code == 422
    assert ("language" if "language" in query else "format") in response.json()["detail"]
    assert not ManifestIssue.objects.exists()


def _refused(api: Client, vehicle: Vehicle) -> None:
    assert api.get(CORRIDORS).json() == []
    response = api.get(_manifest_url(vehicle))
    assert response.status_code == 404
    assert not ManifestIssue.objects.exists()


def test_partner_without_agreement_gets_404(partner_api: Client, bus: Vehicle) -> None:
    _refused(partner_api, bus)


def test_agreement_not_sharing_manifests_gets_404(
    partner_api: Client, icrc: Organisation, bus: Vehicle
) -> None:
    _agreement(icrc, categories=["aggregates", "cases"])

    _refused(partner_api, bus)


def test_agreement_ended_a_second_ago_gets_404(
    partner_api: Client, icrc: Organisation, bus: Vehicle
) -> None:
    _agreement(icrc, ends_at=timezone.now() - dt.timedelta(seconds=1))

    _refused(partner_api, bus)


def test_revoked_agreement_gets_404(partner_api: Client, icrc: Organisation, bus: Vehicle) -> None:
    _agreement(icrc, revoked_at=timezone.now() - dt.timedelta(seconds=1))

    _refused(partner_api, bus)


def test_agreement_for_other_settlements_gets_404(
    partner_api: Client, icrc: Organisation, bus: Vehicle
) -> None:
    _agreement(icrc, places=(KURSK,))

    _refused(partner_api, bus)


def test_another_organisations_agreement_gets_404(partner_api: Client, bus: Vehicle) -> None:
    _agreement(OrganisationFactory(name="UNHCR"))

    _refused(partner_api, bus)


def test_closed_corridor_is_no_longer_shared(
    partner_api: Client, icrc: Organisation, bus: Vehicle
) -> None:
    _agreement(icrc)
    evacuation.corridor_transition(_corridor(bus), to="closed", by=None)

    _refused(partner_api, bus)


def test_vehicle_of_another_corridor_gets_404(
    partner_api: Client, icrc: Organisation, bus: Vehicle
) -> None:
    _agreement(icrc, places=(KURSK,))
    toward_kursk = f.corridor(direction="RU")
    # The agreement covers the corridor toward Kursk, not the bus's toward Sumy.
    url = f"{CORRIDORS}/{toward_kursk.pk}/manifests/{bus.pk}?format=csv"

    assert partner_api.get(url).status_code == 404
    assert not ManifestIssue.objects.exists()


def test_a_corridor_ending_in_a_covered_settlement_is_shared(
    partner_api: Client, icrc: Organisation, bus: Vehicle
) -> None:
    _agreement(icrc, places=(f.SUMY,))

    assert [c["id"] for c in partner_api.get(CORRIDORS).json()] == [_corridor(bus).pk]


@pytest.mark.parametrize("role", ["coordinator", "operator", "field", "dpo"])
def test_staff_roles_use_the_convoy_page_not_the_partner_endpoint(
    api_as: ApiAs, bus: Vehicle, role: str
) -> None:
    api = api_as(role)

    assert api.get(CORRIDORS).status_code == 403
    assert api.get(_manifest_url(bus)).status_code == 403
    assert not ManifestIssue.objects.exists()


def _portal(user: User) -> str:
    client = Client()
    client.force_login(user)
    return client.get("/partners/").content.decode()


def test_portal_lists_the_shared_corridor_with_its_downloads(
    partner: User, icrc: Organisation, bus: Vehicle
) -> None:
    _agreement(icrc)

    page = _portal(partner)

    assert _corridor(bus).name in page
    assert _manifest_url(bus).replace("&", "&amp;") in page
    assert "Мария" not in page
    assert not ManifestIssue.objects.exists()


def test_portal_without_a_manifest_agreement_lists_no_corridor(
    partner: User, icrc: Organisation, bus: Vehicle
) -> None:
    _agreement(icrc, categories=["aggregates"])

    page = _portal(partner)

    assert 'id="no-corridors"' in page
    assert _corridor(bus).name not in page


def test_coordinators_portal_has_no_corridor_section(
    user_in: Callable[[str], User], bus: Vehicle
) -> None:
    page = _portal(user_in("coordinator"))

    assert "Corridor manifests shared with you" not in page


def test_a_convoy_not_yet_locked_shares_no_manifest(
    partner: User, partner_api: Client, icrc: Organisation, draft: Vehicle
) -> None:
    _agreement(icrc)

    (corridor,) = partner_api.get(CORRIDORS).json()
    response = partner_api.get(_manifest_url(draft))

    # The corridor's plan is shared; a draft allocation's passengers are not.
    assert corridor["id"] == _corridor(draft).pk and corridor["vehicles"] == []
    # As a vehicle outside the corridor: a 404 that says nothing of the convoy.
    assert response.status_code == 404
    assert response.json()["detail"] == f"vehicle: No vehicle {draft.pk}."
    assert not ManifestIssue.objects.exists()
    page = _portal(partner)
    assert _manifest_url(draft).replace("&", "&amp;") not in page
    assert "No convoy locked yet" in page


def test_a_convoy_is_shared_once_locked(
    partner_api: Client, icrc: Organisation, draft: Vehicle
) -> None:
    _agreement(icrc)
    assert partner_api.get(_manifest_url(draft)).status_code == 404

    evacuation.convoy_lock(draft.convoy, by=None)

    assert [v["id"] for v in partner_api.get(CORRIDORS).json()[0]["vehicles"]] == [draft.pk]
    assert partner_api.get(_manifest_url(draft)).status_code == 200
    assert ManifestIssue.objects.get().vehicle == draft


def test_partner_copy_numbers_places_without_their_kind(
    partner_api: Client, icrc: Organisation
) -> None:
    _agreement(icrc)
    # Bus 1: two seats, then its wheelchair place, place 3.
    convoy = f.convoy()
    family = f.request(family=[("Валентина", "wheelchair", False)])
    evacuation.request_place(family, f.bus(convoy), by=None)
    evacuation.convoy_lock(convoy, by=None)

    for format in ("csv", "html"):
        text = partner_api.get(_manifest_url(f.bus(convoy), format=format)).content.decode()

        assert "Place 1" in text and "Place 3" in text
        assert "Wheelchair" not in text and "Seat" not in text
