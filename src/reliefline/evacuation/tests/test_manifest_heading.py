"""An issued manifest's heading: the route from the gazetteer in the paper's language, and
every time on the assembly point's clock, named (QA C #8); and the manifests issued for a
vehicle, listed with links so that one can be printed again (QA C #9)."""

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import User
from django.test import Client
from pypdf import PdfReader

from reliefline.evacuation import services
from reliefline.evacuation.models import Convoy, ManifestIssue
from reliefline.evacuation.services import VehicleInput
from reliefline.evacuation.tests import factories as f

pytestmark = pytest.mark.usefixtures("gazetteer")
TYPED = "RU corridor seven"  # the corridor's name as a coordinator typed it
MOSCOW = ZoneInfo("Europe/Moscow")


def _convoy_toward_kursk(by: User) -> Convoy:
    """Return a convoy from Sudzha toward Kursk, allocated, on a corridor named in English."""
    convoy = f.convoy(f.corridor(direction="RU", name=TYPED, by=by), by=by)
    f.request(direction="RU", by=by)
    services.convoy_allocate(convoy, by=by, time_limit=2)
    return convoy


def _header(client: Client, convoy: Convoy, *, language: str) -> tuple[ManifestIssue, str]:
    """Return the checkpoint manifest issued in `language` and its printed page's header."""
    response = client.post(
        f"/evacuation/vehicles/{f.bus(convoy).pk}/manifest/",
        {"kind": "checkpoint", "language": language, "recipient": "Пост Суджа", "format": "html"},
    )
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    issue = ManifestIssue.objects.latest("pk")
    return issue, page.split("<header>")[1].split("</header>")[0]


def _on_moscow_clock(at: dt.datetime) -> str:
    return at.astimezone(MOSCOW).strftime("%d.%m.%Y %H:%M")


def test_a_russian_checkpoint_manifest_names_the_route_in_russian_and_the_issue_on_moscow_time(
    signed_in: tuple[Client, User],
) -> None:
    client, user = signed_in
    convoy = _convoy_toward_kursk(user)

    issue, header = _header(client, convoy, language="ru")

    assert "Суджа → Курск" in header and TYPED not in header
    assert f"выдан {_on_moscow_clock(issue.issued_at)} (по московскому времени)" in header
    kyiv = issue.issued_at.astimezone(ZoneInfo("Europe/Kyiv")).strftime("%Y-%m-%d %H:%M")
    assert kyiv not in header


def test_every_time_on_the_manifest_is_on_the_departures_clock_and_named(
    signed_in: tuple[Client, User],
) -> None:
    client, user = signed_in
    convoy = _convoy_toward_kursk(user)

    issue, header = _header(client, convoy, language="en")

    departure = f"{_on_moscow_clock(convoy.departure_at)} (Moscow time)"
    assert f"Sudzha → Kursk · {departure} · Sudzha" in header
    assert f"No. {issue.pk}, issued {_on_moscow_clock(issue.issued_at)} (Moscow time) to" in header


def test_the_heading_a_pdf_prints_is_the_pages_in_the_manifests_language(
    coordinator: User,
) -> None:
    convoy = _convoy_toward_kursk(coordinator)
    manifest = services.manifest_issue(
        f.bus(convoy), kind="checkpoint", language="uk", recipient="МКЧХ", format="pdf", by=None
    )

    heading = manifest.heading()

    assert heading.route == "Суджа → Курськ"
    assert (
        heading.issued_at == f"{_on_moscow_clock(manifest.issue.issued_at)} (за московським часом)"
    )
    assert heading.departure == f"{_on_moscow_clock(convoy.departure_at)} (за московським часом)"
    assert heading.assembly_point == "Суджа"


def test_the_pdf_prints_the_same_heading(coordinator: User) -> None:
    convoy = _convoy_toward_kursk(coordinator)
    manifest = services.manifest_issue(
        f.bus(convoy), kind="checkpoint", language="ru", recipient="КПП", format="pdf", by=None
    )

    text = PdfReader(io.BytesIO(manifest.as_pdf())).pages[0].extract_text()

    assert "Коридор: Суджа → Курск · Колонна:" in text
    assert f"выдан {_on_moscow_clock(manifest.issue.issued_at)} (по московскому времени)" in text


def _issue(convoy: Convoy, *, recipient: str, format: str, by: User, vehicle: int = 0) -> int:
    found = convoy.vehicles.order_by("pk")[vehicle]
    manifest = services.manifest_issue(
        found, kind="checkpoint", language="ru", recipient=recipient, format=format, by=by
    )
    return manifest.issue.pk


def test_the_vehicles_manifest_page_lists_the_manifests_issued_with_links(
    signed_in: tuple[Client, User],
) -> None:
    client, user = signed_in
    client.cookies["django_language"] = "en"
    convoy = f.convoy(
        vehicles=[VehicleInput("Bus 1", seats=2), VehicleInput("Van", seats=1)], by=user
    )
    first = _issue(convoy, recipient="Checkpoint Sudzha", format="html", by=user)
    second = _issue(convoy, recipient="ICRC Sumy", format="pdf", by=user)
    other = _issue(convoy, recipient="Van driver", format="html", by=user, vehicle=1)

    page = client.get(f"/evacuation/vehicles/{f.bus(convoy).pk}/manifest/").content.decode()

    listed = page.split('id="manifests-issued"')[1]
    for number, recipient in ((first, "Checkpoint Sudzha"), (second, "ICRC Sumy")):
        row = listed.split(f'data-manifest="{number}"')[1].split("</tr>")[0]
        assert f'href="/evacuation/manifests/{number}/"' in row
        assert recipient in row and "Checkpoint manifest" in row and "Russian" in row
        assert user.username in row and "(Kyiv time)" in row
    assert f'data-manifest="{other}"' not in listed
    # Newest first.
    assert listed.index(f'data-manifest="{second}"') < listed.index(f'data-manifest="{first}"')


def test_the_convoy_page_links_each_vehicles_manifests(signed_in: tuple[Client, User]) -> None:
    client, user = signed_in
    convoy = f.convoy(
        vehicles=[VehicleInput("Bus 1", seats=2), VehicleInput("Van", seats=1)], by=user
    )
    bus = _issue(convoy, recipient="Checkpoint Sudzha", format="html", by=user)
    van = _issue(convoy, recipient="Van driver", format="csv", by=user, vehicle=1)

    page = client.get(f"/evacuation/convoys/{convoy.pk}/").content.decode()

    bus_card = page.split('data-vehicle="Bus 1"')[1].split("</section>")[0]
    van_card = page.split('data-vehicle="Van"')[1].split("</section>")[0]
    assert f'href="/evacuation/manifests/{bus}/"' in bus_card and "Checkpoint Sudzha" in bus_card
    assert f'href="/evacuation/manifests/{van}/"' in van_card and "Van driver" in van_card
    assert f"/evacuation/manifests/{van}/" not in bus_card


def test_a_vehicle_without_manifests_says_none_were_issued(
    signed_in: tuple[Client, User],
) -> None:
    client, user = signed_in
    convoy = f.convoy(by=user)
    page = client.get(f"/evacuation/vehicles/{f.bus(convoy).pk}/manifest/").content.decode()
    assert "None issued yet." in page.split('id="manifests-issued"')[1]
    assert "/evacuation/manifests/" not in page
