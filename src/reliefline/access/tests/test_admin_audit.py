"""Every admin page that shows personal data leaves an audit entry; lists show ids."""

import json
from collections.abc import Callable

import pytest
from django.contrib.admin.models import LogEntry
from django.test import Client

from reliefline.access.models import AuditAction, AuditEntry
from reliefline.channels.models import InboundMessage, Notice
from reliefline.hotline.tests.factories import open_case
from reliefline.people.models import Person
from reliefline.people.tests.factories import HouseholdFactory, PersonFactory

pytestmark = pytest.mark.django_db
ClientAs = Callable[[str], Client]
AUTOCOMPLETE = "/admin/autocomplete/"


@pytest.fixture
def sokolova() -> Person:
    return PersonFactory(given_name="Наталья", patronymic="Викторовна", family_name="Соколова")


@pytest.fixture
def admin(client_as: ClientAs) -> Client:
    return client_as("admin")


def _entry() -> AuditEntry:
    (entry,) = AuditEntry.objects.all()
    return entry


def test_the_person_list_shows_ids_not_names_and_reads_no_one(
    admin: Client, sokolova: Person
) -> None:
    page = admin.get("/admin/people/person/")
    assert page.status_code == 200
    assert "Соколова" not in page.content.decode()
    assert f'href="/admin/people/person/{sokolova.pk}/change/' in page.content.decode()
    assert not AuditEntry.objects.exists()


def test_a_person_search_records_the_persons_found_and_not_the_name_searched(
    admin: Client, sokolova: Person
) -> None:
    PersonFactory()  # Верещук: not found, not recorded
    page = admin.get("/admin/people/person/", {"q": "Соколова"})
    assert "Наталья" in page.content.decode()
    entry = _entry()
    assert (entry.action, entry.purpose, entry.record) == (
        AuditAction.SEARCH,
        "admin",
        "people.person:search",
    )
    assert entry.person_ids == [sokolova.pk]
    assert entry.fields == ["name"]
    recorded = json.dumps(list(AuditEntry.objects.values()), default=str, ensure_ascii=False)
    assert "Соколова" not in recorded and "Соколова".lower() not in recorded


def test_a_person_search_finding_nobody_is_still_recorded(admin: Client, sokolova: Person) -> None:
    admin.get("/admin/people/person/", {"q": "Шевченко"})
    entry = _entry()
    assert (entry.action, entry.person_ids) == (AuditAction.SEARCH, [])
    assert "Шевченко" not in entry.record


def test_the_household_list_shows_no_member_names(admin: Client, sokolova: Person) -> None:
    page = admin.get("/admin/people/household/")
    assert page.status_code == 200
    assert "Соколова" not in page.content.decode()
    assert not AuditEntry.objects.exists()


def test_a_household_search_by_a_name_records_every_member_of_the_households_found(
    admin: Client, sokolova: Person
) -> None:
    sister = PersonFactory(household=sokolova.household, given_name="Анна")
    PersonFactory(household=HouseholdFactory())
    admin.get("/admin/people/household/", {"q": "Соколова"})
    entry = _entry()
    assert entry.action == AuditAction.SEARCH
    assert entry.person_ids == sorted([sokolova.pk, sister.pk])


def test_the_caller_autocomplete_records_the_persons_it_names(
    admin: Client, sokolova: Person
) -> None:
    PersonFactory()
    answer = admin.get(
        AUTOCOMPLETE,
        {"app_label": "hotline", "model_name": "case", "field_name": "caller", "term": "Сок"},
    )
    assert [r["text"] for r in answer.json()["results"]] == ["Наталья Викторовна Соколова"]
    entry = _entry()
    assert (entry.action, entry.record, entry.purpose) == (
        AuditAction.SEARCH,
        "people.person:autocomplete",
        "admin",
    )
    assert entry.person_ids == [sokolova.pk]
    assert entry.fields == ["name"]
    assert "Сок" not in entry.record


def test_the_caller_autocomplete_without_a_term_records_the_names_it_lists(
    admin: Client, sokolova: Person
) -> None:
    other = PersonFactory()
    admin.get(AUTOCOMPLETE, {"app_label": "hotline", "model_name": "case", "field_name": "caller"})
    assert _entry().person_ids == sorted([sokolova.pk, other.pk])


def test_a_household_autocomplete_by_a_members_name_records_the_members(
    admin: Client, sokolova: Person
) -> None:
    answer = admin.get(
        AUTOCOMPLETE,
        {"app_label": "people", "model_name": "person", "field_name": "household", "term": "Сок"},
    )
    assert [r["id"] for r in answer.json()["results"]] == [str(sokolova.household_id)]
    assert _entry().person_ids == [sokolova.pk]


@pytest.fixture
def inbound() -> InboundMessage:
    case = open_case(given_name="Наталья", family_name="Соколова")
    return InboundMessage.objects.create(
        sender="twilio",
        external_id="SM0001",
        case=case,
        person=case.caller,
        language="ru",
        detected={"needs": ["medicine"], "vulnerabilities": ["bedridden"], "settlement": ""},
    )


def _person_of(message: InboundMessage) -> Person:
    assert message.person is not None
    return message.person


def _admin_reads() -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(purpose="admin"))


def test_the_inbound_message_page_names_its_person_by_id_and_records_them(
    admin: Client, inbound: InboundMessage
) -> None:
    page = admin.get(f"/admin/channels/inboundmessage/{inbound.pk}/change/")
    assert page.status_code == 200
    assert "Соколова" not in page.content.decode()
    assert f"P-{inbound.person_id}" in page.content.decode()
    (entry,) = _admin_reads()
    assert entry.person_ids == [inbound.person_id]
    assert {"needs", "vulnerabilities"} <= set(entry.fields)


def test_the_dpo_finds_the_inbound_message_page_by_person_and_in_the_export(
    admin: Client, api_as: Callable[[str], Client], inbound: InboundMessage
) -> None:
    admin.get(f"/admin/channels/inboundmessage/{inbound.pk}/change/")
    dpo = api_as("dpo")
    record = f"channels.inboundmessage:{inbound.pk}"
    person_id = _person_of(inbound).pk

    found = dpo.get("/api/v1/audit", {"person": person_id}).json()["items"]
    exported = dpo.get(f"/api/v1/subjects/{person_id}").json()["accesses"]

    assert record in [item["record"] for item in found]
    assert record in [access["record"] for access in exported]


def test_a_notice_page_names_its_person_by_id(admin: Client, inbound: InboundMessage) -> None:
    notice = Notice.objects.create(
        person=_person_of(inbound),
        kind="acknowledgement",
        language="ru",
        body="RL-000001",
    )
    page = admin.get(f"/admin/channels/notice/{notice.pk}/change/")
    assert "Соколова" not in page.content.decode()
    (entry,) = _admin_reads()
    assert (entry.person_ids, entry.fields) == ([inbound.person_id], ["body"])


def test_the_delete_confirmation_of_a_person_is_audited(admin: Client, sokolova: Person) -> None:
    page = admin.get(f"/admin/people/person/{sokolova.pk}/delete/")
    assert "Соколова" in page.content.decode()
    entry = _entry()
    assert (entry.action, entry.person_ids, entry.fields) == (
        AuditAction.READ,
        [sokolova.pk],
        ["name"],
    )


def test_the_change_history_of_a_person_is_audited(admin: Client, sokolova: Person) -> None:
    admin.get(f"/admin/people/person/{sokolova.pk}/history/")
    assert _entry().person_ids == [sokolova.pk]


def test_an_admin_edit_of_a_person_names_them_by_id_in_the_admins_history(
    admin: Client, sokolova: Person
) -> None:
    response = admin.post(
        f"/admin/people/person/{sokolova.pk}/change/",
        {
            "household": sokolova.household_id,
            "given_name": "Наталья",
            "patronymic": "Викторовна",
            "family_name": "Соколова-Ким",
            "phone": sokolova.phone,
            "preferred_language": "ru",
            "legal_basis": sokolova.legal_basis,
            "consent_method": sokolova.consent_method,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    (logged,) = LogEntry.objects.all()
    assert logged.object_repr == f"people.person:{sokolova.pk}"
    admin.get("/admin/")  # shows, once, the message naming what was just saved
    assert "Соколова" not in admin.get("/admin/").content.decode()  # "Recent actions"


def _form_data(page) -> dict[str, str]:
    """Return what the admin's change form would send back unchanged."""
    form = page.context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        value = form[name].value()
        if value is None or field.disabled:
            continue
        data[name] = value.isoformat() if hasattr(value, "isoformat") else str(value)
    return data


def test_an_admin_edit_of_a_person_is_recorded_as_a_write(admin: Client, sokolova: Person) -> None:
    url = f"/admin/people/person/{sokolova.pk}/change/"
    data = {**_form_data(admin.get(url)), "family_name": "Соколова-Ильина"}

    response = admin.post(url, data)

    assert response.status_code == 302, response.content[:2000]
    write = AuditEntry.objects.get(action=AuditAction.UPDATE)
    assert (write.record, write.person_ids) == (f"people.person:{sokolova.pk}", [sokolova.pk])
    assert write.fields == ["Family name"]


def test_an_admin_deletion_of_a_notice_is_recorded(admin: Client, inbound: InboundMessage) -> None:
    person = _person_of(inbound)
    notice = Notice.objects.create(person=person, kind="acknowledgement", language="ru", body="x")

    response = admin.post(f"/admin/channels/notice/{notice.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    deleted = AuditEntry.objects.get(action=AuditAction.DELETE)
    assert (deleted.record, deleted.person_ids) == (f"channels.notice:{notice.pk}", [person.pk])
    assert not Notice.objects.filter(pk=notice.pk).exists()
