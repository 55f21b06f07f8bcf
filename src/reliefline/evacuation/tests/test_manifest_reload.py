"""Issuing a printable manifest: Post/Redirect/Get, so a reload issues nothing new."""

from collections.abc import Callable
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import User
from django.test import Client

from reliefline.access.models import AuditEntry
from reliefline.evacuation import services
from reliefline.evacuation.models import ManifestIssue, Placement
from reliefline.evacuation.tests import factories as f

pytestmark = pytest.mark.usefixtures("gazetteer")
FORM = {"language": "en", "recipient": "Checkpoint, ICRC", "format": "html"}


def _issue(client: Client, vehicle_id: int, kind: str = "checkpoint") -> str:
    """Return where issuing the printable manifest sent the browser."""
    response = client.post(f"/evacuation/vehicles/{vehicle_id}/manifest/", {**FORM, "kind": kind})
    assert response.status_code == 302
    return str(response["Location"])


def test_a_reload_of_an_issued_manifest_shows_it_again_and_issues_nothing(
    signed_in: tuple[Client, User],
) -> None:
    client, user = signed_in
    convoy = f.allocated_convoy(by=user)

    location = _issue(client, f.bus(convoy).pk)

    issue = ManifestIssue.objects.get()
    assert location == f"/evacuation/manifests/{issue.pk}/"
    first = client.get(location)
    again = client.get(location)
    assert first.status_code == again.status_code == 200
    manifest = first.content.decode().split("<article")[1].split("</article>")[0]
    assert manifest == again.content.decode().split("<article")[1].split("</article>")[0]
    assert f"No. {issue.pk}, issued" in manifest
    assert "Ирина Верещук" in manifest
    assert ManifestIssue.objects.count() == 1


def test_the_issued_manifest_page_is_the_paper_as_it_was_handed_out(
    signed_in: tuple[Client, User],
) -> None:
    client, user = signed_in
    convoy = f.allocated_convoy(by=user)
    location = _issue(client, f.bus(convoy).pk, kind="internal")
    services.placement_mark(Placement.objects.get(), to="no_show", by=user)

    page = client.get(location).content.decode()

    table = page.split('<table class="evac-table')[1].split("</table>")[0]
    assert "Ирина Верещук" in table and "Allocated" in table and "No-show" not in table


def test_the_internal_manifest_page_has_a_qr_code_a_passenger_the_checkpoint_one_none(
    signed_in: tuple[Client, User],
) -> None:
    client, user = signed_in
    convoy = f.allocated_convoy(by=user)
    internal = client.get(_issue(client, f.bus(convoy).pk, kind="internal")).content.decode()
    checkpoint = client.get(_issue(client, f.bus(convoy).pk, kind="checkpoint")).content.decode()

    code = Placement.objects.get().code
    assert internal.count('<svg width="') == 1
    assert f"<title>{code}</title>" in internal
    assert "<svg" not in checkpoint.split('<table class="evac-table')[1].split("</table>")[0]
    assert code not in checkpoint
    moscow = convoy.departure_at.astimezone(ZoneInfo("Europe/Moscow")).strftime("%d.%m.%Y %H:%M")
    assert f"{moscow} (Moscow time)" in checkpoint
    headers = checkpoint.split("<thead>")[1].split("</thead>")[0]
    assert headers.count("<th>") == 5  # #, name, birth year, place, vehicle


def test_seeing_an_issued_manifest_again_is_audited_as_a_read(
    signed_in: tuple[Client, User],
) -> None:
    client, user = signed_in
    convoy = f.allocated_convoy(by=user)
    location = _issue(client, f.bus(convoy).pk)
    issue = ManifestIssue.objects.get()

    client.get(location)

    read = AuditEntry.objects.get(record=f"evacuation.manifest:{issue.pk}", action="read")
    assert read.person_ids == [Placement.objects.get().person_id]
    assert sorted(read.fields) == sorted(["name", "birth_year", "seat", "vehicle"])


def test_the_file_formats_still_answer_with_the_file(signed_in: tuple[Client, User]) -> None:
    client, user = signed_in
    convoy = f.allocated_convoy(by=user)
    url = f"/evacuation/vehicles/{f.bus(convoy).pk}/manifest/"
    for format, content_type in (("csv", "text/csv"), ("pdf", "application/pdf")):
        response = client.post(url, {**FORM, "kind": "checkpoint", "format": format})
        assert response.status_code == 200
        assert response["Content-Type"].startswith(content_type)
    assert ManifestIssue.objects.count() == 2


def test_a_field_team_and_an_unknown_manifest_get_no_page(
    signed_in: tuple[Client, User], client_as: Callable[[str], Client]
) -> None:
    client, user = signed_in
    convoy = f.allocated_convoy(by=user)
    location = _issue(client, f.bus(convoy).pk)
    assert client_as("field").get(location).status_code == 403
    assert client.get("/evacuation/manifests/999999/").status_code == 404
