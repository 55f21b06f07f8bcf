import pytest

from reliefline.access.audit import audit_record
from reliefline.access.models import AuditAction


@pytest.fixture
def entries(db: None, user_in):
    operator = user_in("operator")
    audit_record(
        user=operator,
        action=AuditAction.READ,
        record="hotline.case:RL-000001",
        purpose="case page",
        person_ids=[11],
        fields=["phone"],
    )
    audit_record(
        user=None,
        action=AuditAction.PURGE,
        record="retention",
        purpose="retention",
        person_ids=[12],
    )
    return operator


def test_dpo_sees_the_audit_page_with_the_chain_status(entries, client_as) -> None:
    response = client_as("dpo").get("/access/audit/")
    assert response.status_code == 200
    assert "hotline.case:RL-000001" in response.content.decode()
    assert "Hash chain intact" in response.content.decode()


@pytest.mark.parametrize("role", ["operator", "coordinator", "field", "partner"])
def test_nobody_else_reads_the_audit_page(entries, client_as, role: str) -> None:
    assert client_as(role).get("/access/audit/").status_code == 403


def test_dpo_searches_the_audit_api_by_person_and_user(entries, api_as) -> None:
    dpo = api_as("dpo")
    by_person = dpo.get("/api/v1/audit?person=11").json()
    assert [e["record"] for e in by_person["items"]] == ["hotline.case:RL-000001"]
    by_user = dpo.get(f"/api/v1/audit?user={entries.username}").json()
    assert by_user["count"] == 1 and by_user["items"][0]["fields"] == ["phone"]


# The administrator holds every permission, the audit included (access.roles).
@pytest.mark.parametrize("role", ["operator", "coordinator", "field", "partner"])
def test_audit_api_is_closed_to_other_roles(entries, api_as, role: str) -> None:
    assert api_as(role).get("/api/v1/audit").status_code == 403


def test_audit_api_rejects_a_bad_date_naming_the_field(entries, api_as) -> None:
    response = api_as("dpo").get("/api/v1/audit?since=yesterday")
    assert response.status_code == 422
    assert "since" in response.json()["detail"]


@pytest.mark.parametrize(
    "query", ["until=9999-12-31", "since=0001-01-01"], ids=["last day", "first day"]
)
def test_audit_page_dates_at_the_ends_of_time_are_refused_at_the_field(
    entries, client_as, query: str
) -> None:
    client = client_as("dpo")
    client.cookies["django_language"] = "en"

    response = client.get(f"/access/audit/?{query}")

    assert response.status_code == 200
    assert "Enter a date from the year 1900 to 2999." in response.content.decode()


def test_a_filter_refused_shows_no_entry_rather_than_the_whole_log(entries, client_as) -> None:
    client = client_as("dpo")
    client.cookies["django_language"] = "en"

    page = client.get("/access/audit/?person=abc").content.decode()

    assert "Enter a whole number." in page
    assert "hotline.case:RL-000001" not in page
