"""The checkpoint manifest's place: numbered across the vehicle, never of a kind.

A wheelchair or stretcher place is health data, and the checkpoint manifest goes to a
party to the conflict; the internal manifest says the kind for the convoy's own team.
"""

import io
import json
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import translation
from pypdf import PdfReader

from reliefline.access.tests.factories import token_for
from reliefline.evacuation import services
from reliefline.evacuation.models import PlaceKind, Vehicle
from reliefline.evacuation.services import Manifest, VehicleInput
from reliefline.evacuation.tests import factories as f

pytestmark = pytest.mark.usefixtures("gazetteer")

# Two seats, then a wheelchair place, then a stretcher place: places 1-4.
VAN = VehicleInput("Medical van", seats=2, wheelchair_places=1, stretcher_places=1, has_medic=True)
FAMILY = [("Валентина", "wheelchair", False), ("Николай", "stretcher", True)]
PLACES = ["Place 1", "Place 3", "Place 4"]


@pytest.fixture
def van(coordinator: User) -> Vehicle:
    """Return a medical van holding a walking caller, a wheelchair user and a stretcher
    patient of one household."""
    convoy = f.convoy(vehicles=[VAN], by=coordinator)
    f.request(family=FAMILY, by=coordinator)
    run = services.convoy_allocate(convoy, by=coordinator, time_limit=2)
    assert run.allocated == 3
    return f.bus(convoy)


def _issue(van: Vehicle, *, kind: str, language: str = "en", by: User) -> Manifest:
    return services.manifest_issue(
        van, kind=kind, language=language, recipient="Checkpoint Sudzha", format="csv", by=by
    )


def _kinds(language: str) -> list[str]:
    """Return the kinds of place as a manifest in `language` would name them."""
    with translation.override(language):
        return [str(kind.label) for kind in PlaceKind]


def test_a_place_is_numbered_across_the_vehicle_seats_first() -> None:
    bus = Vehicle(seats=45, wheelchair_places=2, stretcher_places=1)

    numbers = [
        bus.place_number(kind, number)
        for kind, number in (("seat", 1), ("seat", 45), ("wheelchair", 1), ("wheelchair", 2))
    ]

    assert numbers == [1, 45, 46, 47]
    assert bus.place_number("stretcher", 1) == 48


def test_checkpoint_manifest_numbers_places_without_their_kind(
    coordinator: User, van: Vehicle
) -> None:
    manifest = _issue(van, kind="checkpoint", by=coordinator)

    assert [row["seat"] for row in manifest.rows] == PLACES
    text = manifest.as_csv()
    assert not any(kind in text for kind in _kinds("en"))


@pytest.mark.parametrize("language", ["uk", "ru"])
def test_checkpoint_manifest_names_no_kind_of_place_in_any_language(
    coordinator: User, van: Vehicle, language: str
) -> None:
    text = _issue(van, kind="checkpoint", language=language, by=coordinator).as_csv()

    assert not any(kind in text for kind in _kinds(language))


def test_internal_manifest_keeps_the_kind_of_place(coordinator: User, van: Vehicle) -> None:
    manifest = _issue(van, kind="internal", by=coordinator)

    rows = [(row["seat"], row["place_kind"]) for row in manifest.rows]
    assert rows == [
        ("Seat 1", "Seat"),
        ("Wheelchair place 1", "Wheelchair place"),
        ("Stretcher place 1", "Stretcher place"),
    ]


def test_checkpoint_pdf_numbers_places_without_their_kind(coordinator: User, van: Vehicle) -> None:
    pdf = _issue(van, kind="checkpoint", by=coordinator).as_pdf()

    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert all(place in text for place in PLACES)
    assert "Wheelchair" not in text and "Stretcher" not in text


def _issue_on_page(client: Client, van: Vehicle, *, format: str) -> Any:
    """Return the answer to the convoy page's form issuing the van's checkpoint manifest."""
    form = {"kind": "checkpoint", "language": "en", "recipient": "Checkpoint", "format": format}
    return client.post(f"/evacuation/vehicles/{van.pk}/manifest/", form)


def test_checkpoint_page_numbers_places_without_their_kind(
    english: tuple[Client, User], van: Vehicle
) -> None:
    client, _user = english
    issued = _issue_on_page(client, van, format="html")

    page = client.get(issued["Location"]).content.decode()

    table = page.split('<table class="evac-table')[1].split("</table>")[0]
    assert all(f"<td>{place}</td>" in table for place in PLACES)
    assert not any(kind in table for kind in _kinds("en"))


def test_checkpoint_csv_download_numbers_places_without_their_kind(
    english: tuple[Client, User], van: Vehicle
) -> None:
    client, _user = english

    response = _issue_on_page(client, van, format="csv")

    rows = response.content.decode().splitlines()[1:]
    assert [row.split(",")[2] for row in rows] == PLACES


def test_api_checkpoint_rows_number_places_without_their_kind(
    coordinator: User, van: Vehicle
) -> None:
    api = Client(headers={"Authorization": f"Bearer {token_for(coordinator)}"})

    response = api.post(
        f"/api/v1/evacuation/vehicles/{van.pk}/manifests",
        json.dumps({"kind": "checkpoint", "language": "en", "recipient": "Checkpoint"}),
        content_type="application/json",
    )

    assert response.status_code == 201
    assert [row["seat"] for row in response.json()["rows"]] == PLACES
