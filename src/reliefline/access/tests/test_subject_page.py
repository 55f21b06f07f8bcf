"""The DPO's data-subject export page: the API's export, downloaded from the browser."""

import json

import pytest

from reliefline.access.models import AuditAction, AuditEntry
from reliefline.hotline.tests.factories import open_case

pytestmark = pytest.mark.django_db
PAGE = "/access/subjects/"


@pytest.fixture
def caller_id() -> int:
    case = open_case(phone="+79101234567", message="Маме 82 года")
    assert case.caller_id is not None
    return case.caller_id


def _exports() -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=AuditAction.EXPORT))


def test_dpo_downloads_the_same_export_as_the_api_gives(caller_id: int, client_as, api_as) -> None:
    response = client_as("dpo").post(PAGE, {"person": caller_id})

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="subject-{caller_id}.json"'
    downloaded = json.loads(response.content)
    from_api = api_as("dpo").get(f"/api/v1/subjects/{caller_id}").json()
    assert list(downloaded) == list(from_api)
    for key in ("person", "household", "cases", "contacts", "distributions"):
        assert downloaded[key] == from_api[key]
    assert downloaded["cases"][0]["message"] == "Маме 82 года"


def test_the_download_is_audited_as_an_export_with_the_address(caller_id: int, client_as) -> None:
    client_as("dpo").post(PAGE, {"person": caller_id}, REMOTE_ADDR="10.1.2.3")

    (entry,) = _exports()
    assert entry.person_ids == [caller_id]
    assert (entry.purpose, entry.address) == ("data-subject access request", "10.1.2.3")


def test_the_page_alone_exports_nothing_and_fills_in_the_linked_person(
    caller_id: int, client_as
) -> None:
    response = client_as("dpo").get(f"{PAGE}?person={caller_id}")

    assert response.status_code == 200
    assert f'value="{caller_id}"' in response.content.decode()
    assert _exports() == []


def test_an_unknown_person_is_named_on_the_form(db: None, client_as) -> None:
    response = client_as("dpo").post(PAGE, {"person": 999999})

    assert response.status_code == 404
    assert "No person 999999." in response.content.decode()
    assert _exports() == []


def test_a_person_id_that_is_no_number_is_refused(db: None, client_as) -> None:
    response = client_as("dpo").post(PAGE, {"person": "abc"})

    assert response.status_code == 422
    assert "Enter a whole number." in response.content.decode()


@pytest.mark.parametrize("role", ["operator", "coordinator", "field", "partner"])
def test_other_roles_cannot_export(caller_id: int, client_as, role: str) -> None:
    client = client_as(role)
    assert client.get(PAGE).status_code == 403
    assert client.post(PAGE, {"person": caller_id}).status_code == 403
    assert _exports() == []


def test_the_audit_page_filtered_by_person_links_to_their_export(caller_id: int, client_as) -> None:
    page = client_as("dpo").get(f"/access/audit/?person={caller_id}").content.decode()

    assert f'href="{PAGE}?person={caller_id}"' in page
