"""Naming the caller of a message and adding household members on the case page."""

import datetime as dt

from django.test import Client
from django.urls import reverse

from reliefline.access.models import AuditEntry
from reliefline.hotline.models import Case
from reliefline.hotline.services import CaseInput, case_open
from reliefline.people.models import Person
from reliefline.people.selectors import MatchQuery, person_match
from reliefline.people.services import PersonInput


def _sms_case() -> Case:
    """Return a case as a message opens it: a phone, no name."""
    return case_open(
        CaseInput(channel="sms", language="ru", caller=PersonInput(phone="+79101234567")),
        by=None,
    )


def _caller(case: Case) -> Person:
    assert case.caller is not None
    return Person.objects.get(pk=case.caller.pk)


def _member(case: Case) -> Person:
    """Return the one person of the household who is not the caller."""
    return Person.objects.get(household=case.household_id, pk__gt=_caller(case).pk)


def test_named_sms_caller_is_found_by_the_latin_spelling(client_as) -> None:
    case = _sms_case()

    response = client_as("operator").post(
        reverse("hotline:case_caller", args=[case.reference]),
        {"caller-given_name": "Наталья", "caller-family_name": "Кузнецова"},
    )

    assert response["Location"] == reverse("hotline:case", args=[case.reference])
    caller = _caller(case)
    assert (caller.full_name, caller.phone) == ("Наталья Кузнецова", "+79101234567")
    found = person_match(MatchQuery(given_name="Natalya", family_name="Kuznetsova"), limit=5)
    assert [c.person.pk for c in found] == [caller.pk]


def test_naming_the_caller_is_audited_as_a_write(client_as) -> None:
    case = _sms_case()
    client_as("operator").post(
        reverse("hotline:case_caller", args=[case.reference]), {"caller-given_name": "Наталья"}
    )
    entry = AuditEntry.objects.get(record=f"people.person:{case.caller_id}")
    assert (entry.action, entry.person_ids) == ("update", [case.caller_id])


def test_member_joins_the_household_which_grows_to_count_them(client_as) -> None:
    case = _sms_case()

    client_as("operator").post(
        reverse("hotline:case_member", args=[case.reference]),
        {
            "member-given_name": "Валентина",
            "member-family_name": "Кузнецова",
            "member-birth_date": "1942-03-08",
        },
    )

    member = _member(case)
    case.refresh_from_db()
    assert case.household is not None
    assert member.birth_date == dt.date(1942, 3, 8)
    assert (case.household_size, case.household.size) == (2, 2)
    assert (member.legal_basis, member.consent_method) == ("vital_interest", "not_obtained")


def test_member_without_a_name_is_refused_and_nothing_stored(client_as) -> None:
    case = _sms_case()
    client = client_as("operator")

    response = client.post(
        reverse("hotline:case_member", args=[case.reference]), {"member-birth_date": "1942-03-08"}
    )

    assert Person.objects.count() == 1
    page = client.get(response["Location"]).content.decode()
    assert "Give the member&#x27;s name." in page


def test_impossible_birth_date_is_refused_naming_the_field(client_as) -> None:
    case = _sms_case()
    client = client_as("operator")

    response = client.post(
        reverse("hotline:case_member", args=[case.reference]),
        {"member-given_name": "Валентина", "member-birth_date": "1842-03-08"},
    )

    assert Person.objects.count() == 1
    assert "The birth date is impossible." in client.get(response["Location"]).content.decode()


def test_case_page_lists_members_and_audits_reading_them(client_as) -> None:
    case = _sms_case()
    client = client_as("operator")
    client.post(
        reverse("hotline:case_member", args=[case.reference]),
        {"member-given_name": "Валентина", "member-birth_date": "1942-03-08"},
    )
    member = _member(case)

    page = client.get(reverse("hotline:case", args=[case.reference])).content.decode()

    assert f'<li data-person="{member.pk}">Валентина · 1942</li>' in page
    read = AuditEntry.objects.filter(action="read", purpose="case page").order_by("id").last()
    assert read is not None and read.person_ids == [member.pk]


def test_field_team_may_neither_name_nor_add(client_as) -> None:
    case = _sms_case()
    client = client_as("field")
    for name in ("hotline:case_caller", "hotline:case_member"):
        response = client.post(reverse(name, args=[case.reference]), {"member-given_name": "X"})
        assert response.status_code == 403
    assert Person.objects.count() == 1


def test_unknown_case_is_404(client_as) -> None:
    response = client_as("operator").post(
        reverse("hotline:case_member", args=["RL-999999"]), {"member-given_name": "X"}
    )
    assert response.status_code == 404


def test_anonymous_is_sent_to_login(db: None) -> None:
    case = _sms_case()
    response = Client().post(reverse("hotline:case_member", args=[case.reference]))
    assert response.status_code == 302 and Person.objects.count() == 1


def test_dpo_reaches_each_members_access_log_from_the_case(client_as) -> None:
    case = _sms_case()

    page = client_as("dpo").get(reverse("hotline:case", args=[case.reference])).content.decode()

    assert f'{reverse("access:audit")}?person={case.caller_id}"' in page


def test_operator_sees_no_access_log_link(client_as) -> None:
    case = _sms_case()

    page = (
        client_as("operator").get(reverse("hotline:case", args=[case.reference])).content.decode()
    )

    assert reverse("access:audit") not in page
