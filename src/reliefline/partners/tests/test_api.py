"""/api/v1/partners: agreements in force decide what a partner sees, the same minute."""

import datetime as dt
import json
from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from conftest import SUDZHA
from reliefline.access.models import AuditEntry
from reliefline.access.tests.factories import UserFactory, token_for
from reliefline.hotline.models import Case
from reliefline.partners.models import Activity, Organisation, Referral, SharingAgreement
from reliefline.partners.selectors import access_for
from reliefline.partners.tests.factories import (
    ActivityFactory,
    AgreementFactory,
    MembershipFactory,
    OrganisationFactory,
)
from reliefline.places.models import Place

ApiAs = Callable[[str], Client]
CASES = "/api/v1/partners/cases"


def _agreement(icrc: Organisation, **overrides: object) -> SharingAgreement:
    sudzha = Place.objects.get(pk=SUDZHA)
    return AgreementFactory(organisation=icrc, settlements=[sudzha], **overrides)


def test_partner_without_agreement_sees_no_cases(partner_api: Client, insulin_case: Case) -> None:
    response = partner_api.get(CASES)

    assert response.status_code == 200
    assert response.json() == []


def test_agreement_shares_the_case_without_personal_fields(
    partner_api: Client, icrc: Organisation, insulin_case: Case
) -> None:
    _agreement(icrc)

    (case,) = partner_api.get(CASES).json()

    assert case["reference"] == insulin_case.reference
    assert case["needs"] == ["medicine"]
    assert case["name"] is None and case["phone"] is None and case["note"] is None


def test_granted_fields_are_shown_and_the_read_audited(
    partner: User, partner_api: Client, icrc: Organisation, insulin_case: Case
) -> None:
    _agreement(icrc, fields=["name", "phone", "household_size"])

    (case,) = partner_api.get(CASES).json()

    assert case["name"] == "Ирина Верещук"
    assert case["phone"] == "+79101234567"
    assert case["household_size"] == 2
    assert case["birth_date"] is None and case["note"] is None
    entry = AuditEntry.objects.filter(user=partner).get()
    assert entry.person_ids == [insulin_case.caller_id]
    assert entry.fields == ["household_size", "name", "phone"]


def test_other_need_types_and_settlements_stay_unshared(
    partner_api: Client, icrc: Organisation, insulin_case: Case
) -> None:
    _agreement(icrc, need_types=["water"])

    assert partner_api.get(CASES).json() == []


def test_another_organisations_agreement_shares_nothing(
    partner_api: Client, insulin_case: Case
) -> None:
    _agreement(OrganisationFactory(name="UNHCR"))

    assert partner_api.get(CASES).json() == []


def test_expired_agreement_stops_access_at_its_end(
    partner: User, icrc: Organisation, insulin_case: Case
) -> None:
    end = timezone.now() + dt.timedelta(minutes=1)
    _agreement(icrc, ends_at=end)

    assert access_for(partner, at=end - dt.timedelta(seconds=1)).for_category("cases")
    assert not access_for(partner, at=end).for_category("cases")


def test_agreement_ended_a_second_ago_shares_nothing(
    partner_api: Client, icrc: Organisation, insulin_case: Case
) -> None:
    _agreement(icrc, ends_at=timezone.now() - dt.timedelta(seconds=1))

    assert partner_api.get(CASES).json() == []


def test_revoked_agreement_shares_nothing(
    api_as: ApiAs, partner_api: Client, icrc: Organisation, insulin_case: Case
) -> None:
    agreement = _agreement(icrc)

    response = api_as("coordinator").post(f"/api/v1/partners/agreements/{agreement.pk}/revoke")

    assert response.status_code == 200
    assert response.json()["in_force"] is False
    assert partner_api.get(CASES).json() == []


def test_agreement_not_yet_started_shares_nothing(
    partner_api: Client, icrc: Organisation, insulin_case: Case
) -> None:
    _agreement(icrc, starts_at=timezone.now() + dt.timedelta(minutes=1))

    assert partner_api.get(CASES).json() == []


# ---- agreements ------------------------------------------------------------------------


def _agreement_body(icrc: Organisation, **overrides: object) -> dict[str, object]:
    body: dict[str, object] = {
        "organisation": icrc.pk,
        "purpose": "Evacuation of people with limited mobility",
        "categories": ["aggregates", "cases"],
        "need_types": ["evacuation"],
        "settlements": [SUDZHA],
        "fields": ["name", "phone"],
        "starts_at": "2024-08-15T00:00:00Z",
        "ends_at": "2024-09-15T00:00:00Z",
    }
    body.update(overrides)
    return body


def test_coordinator_records_an_agreement(
    api_as: ApiAs, icrc: Organisation, gazetteer: None
) -> None:
    response = api_as("coordinator").post(
        "/api/v1/partners/agreements", _agreement_body(icrc), content_type="application/json"
    )

    assert response.status_code == 201, response.content
    assert response.json()["settlements"] == [SUDZHA]
    assert response.json()["in_force"] is False  # ended in 2024


def test_partner_cannot_record_an_agreement(
    partner_api: Client, icrc: Organisation, gazetteer: None
) -> None:
    response = partner_api.post(
        "/api/v1/partners/agreements", _agreement_body(icrc), content_type="application/json"
    )

    assert response.status_code == 403
    assert not SharingAgreement.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"ends_at": "2024-08-01T00:00:00Z"}, "ends_at"),
        ({"categories": ["everything"]}, "categories"),
        ({"categories": []}, "categories"),
        ({"need_types": []}, "need_types"),
        ({"fields": ["soul"]}, "fields"),
        ({"settlements": ["nowhere"]}, "settlements"),
        ({"settlements": []}, "settlements"),
        ({"organisation": 999999}, "organisation"),
        ({"purpose": " "}, "purpose"),
        ({"starts_at": "soon"}, "starts_at"),
        ({"organisation": True}, "organisation"),
        ({"organisation": "1"}, "organisation"),
        ({"starts_at": 123}, "starts_at"),
        ({"starts_at": "123"}, "starts_at"),
        ({"starts_at": "2024-08-15T00:00:00"}, "starts_at"),  # no offset: which clock?
        ({"starts_at": "2024-08-15"}, "starts_at"),
        ({"ends_at": "2024-09-15T00:00:00"}, "ends_at"),
    ],
)
def test_bad_agreement_is_422_naming_the_field(
    api_as: ApiAs, icrc: Organisation, gazetteer: None, overrides: dict[str, object], field: str
) -> None:
    response = api_as("coordinator").post(
        "/api/v1/partners/agreements",
        _agreement_body(icrc, **overrides),
        content_type="application/json",
    )

    assert response.status_code == 422, response.content
    assert response.json()["detail"].startswith(field)
    assert not SharingAgreement.objects.exists()


def test_partner_sees_only_its_own_agreements(
    partner_api: Client, icrc: Organisation, gazetteer: None
) -> None:
    own = _agreement(icrc)
    _agreement(OrganisationFactory(name="UNHCR"))

    assert [a["id"] for a in partner_api.get("/api/v1/partners/agreements").json()] == [own.pk]


# ---- 3W --------------------------------------------------------------------------------


def _activity_body(organisation: Organisation, **overrides: object) -> dict[str, object]:
    body: dict[str, object] = {
        "organisation": organisation.pk,
        "sector": "wash",
        "description": "Water trucking",
        "settlement": SUDZHA,
        "starts_on": "2024-08-15",
        "ends_on": "2024-08-31",
        "targeted": 1200,
        "reached": 300,
    }
    body.update(overrides)
    return body


def test_partner_reports_3w_for_its_own_organisation(
    partner_api: Client, icrc: Organisation, gazetteer: None
) -> None:
    response = partner_api.post(
        "/api/v1/partners/activities", _activity_body(icrc), content_type="application/json"
    )

    assert response.status_code == 201, response.content
    assert Activity.objects.get().organisation == icrc


def test_partner_cannot_report_for_another_organisation(
    partner_api: Client, gazetteer: None
) -> None:
    other = OrganisationFactory(name="UNHCR")

    response = partner_api.post(
        "/api/v1/partners/activities", _activity_body(other), content_type="application/json"
    )

    assert response.status_code == 422
    assert response.json()["field"] == "organisation"
    assert not Activity.objects.exists()


def test_coordinator_reports_for_any_organisation(api_as: ApiAs, gazetteer: None) -> None:
    other = OrganisationFactory(name="UNHCR")

    response = api_as("coordinator").post(
        "/api/v1/partners/activities", _activity_body(other), content_type="application/json"
    )

    assert response.status_code == 201


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"sector": "magic"}, "sector"),
        ({"ends_on": "2024-08-01"}, "ends_on"),
        ({"targeted": -1}, "targeted"),
        ({"settlement": "nowhere"}, "settlement"),
        ({"description": ""}, "description"),
        ({"organisation": True}, "organisation"),
        ({"targeted": True}, "targeted"),
        ({"reached": "5"}, "reached"),
        ({"starts_on": 123}, "starts_on"),
        ({"ends_on": "86400"}, "ends_on"),
    ],
)
def test_bad_activity_is_422_naming_the_field(
    api_as: ApiAs, icrc: Organisation, gazetteer: None, overrides: dict[str, object], field: str
) -> None:
    response = api_as("coordinator").post(
        "/api/v1/partners/activities",
        {**_activity_body(icrc), **overrides},
        content_type="application/json",
    )

    assert response.status_code == 422, response.content
    assert response.json()["detail"].startswith(field)
    assert not Activity.objects.exists()


def test_3w_list_filters_by_sector(api_as: ApiAs) -> None:
    wash = ActivityFactory()
    ActivityFactory(sector="health")

    response = api_as("partner").get("/api/v1/partners/activities", {"sector": "wash"})

    assert [a["id"] for a in response.json()] == [wash.pk]


def test_operator_has_no_3w(api_as: ApiAs) -> None:
    assert api_as("operator").get("/api/v1/partners/activities").status_code == 403


# ---- referrals -------------------------------------------------------------------------


def _refer(api_as: ApiAs, case: Case, agreement: SharingAgreement) -> Client:
    coordinator = api_as("coordinator")
    response = coordinator.post(
        "/api/v1/partners/referrals",
        {"case": case.reference, "agreement": agreement.pk, "need_types": ["medicine"]},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    return coordinator


def test_referral_discloses_the_agreements_fields_and_is_audited(
    api_as: ApiAs, partner_api: Client, icrc: Organisation, insulin_case: Case
) -> None:
    agreement = _agreement(icrc, fields=["name"])

    _refer(api_as, insulin_case, agreement)

    (referral,) = partner_api.get("/api/v1/partners/referrals").json()
    assert referral["fields"] == ["name"]
    assert referral["case"]["name"] == "Ирина Верещук"
    assert referral["case"]["phone"] is None
    disclosure = AuditEntry.objects.get(record__startswith="partners.referral:", action="export")
    assert disclosure.person_ids == [insulin_case.caller_id]
    assert "name" in disclosure.fields


def test_partner_accepts_a_referral_once(
    api_as: ApiAs, partner_api: Client, icrc: Organisation, insulin_case: Case
) -> None:
    _refer(api_as, insulin_case, _agreement(icrc))
    referral = Referral.objects.get()
    url = f"/api/v1/partners/referrals/{referral.pk}"

    accepted = partner_api.post(f"{url}/accept", {"note": "Team on its way"}, "application/json")
    again = partner_api.post(f"{url}/decline", {}, "application/json")

    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"
    assert again.status_code == 409


def test_another_partner_gets_404_for_the_referral(
    api_as: ApiAs, icrc: Organisation, insulin_case: Case
) -> None:
    _refer(api_as, insulin_case, _agreement(icrc))
    stranger = UserFactory(role="partner")
    MembershipFactory(user=stranger, organisation=OrganisationFactory(name="UNHCR"))
    client = Client(headers={"Authorization": f"Bearer {token_for(stranger)}"})

    response = client.post(
        f"/api/v1/partners/referrals/{Referral.objects.get().pk}/accept", {}, "application/json"
    )

    assert response.status_code == 404
    assert client.get("/api/v1/partners/referrals").json() == []


def test_coordinator_cannot_answer_for_the_partner(
    api_as: ApiAs, icrc: Organisation, insulin_case: Case
) -> None:
    coordinator = _refer(api_as, insulin_case, _agreement(icrc))

    response = coordinator.post(
        f"/api/v1/partners/referrals/{Referral.objects.get().pk}/accept", {}, "application/json"
    )

    assert response.status_code == 403


def test_referral_disappears_when_the_agreement_ends(
    api_as: ApiAs, partner_api: Client, icrc: Organisation, insulin_case: Case
) -> None:
    agreement = _agreement(icrc)
    _refer(api_as, insulin_case, agreement)

    SharingAgreement.objects.filter(pk=agreement.pk).update(
        ends_at=timezone.now() - dt.timedelta(seconds=1)
    )

    assert partner_api.get("/api/v1/partners/referrals").json() == []


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"need_types": ["water"]}, "need_types"),
        ({"categories": ["aggregates"]}, "agreement"),
        ({"ends_at": timezone.now() - dt.timedelta(seconds=1)}, "agreement"),
    ],
)
def test_referral_outside_the_agreement_is_refused(
    api_as: ApiAs,
    icrc: Organisation,
    insulin_case: Case,
    change: dict[str, object],
    field: str,
) -> None:
    agreement = _agreement(icrc)
    SharingAgreement.objects.filter(pk=agreement.pk).update(**change)

    response = api_as("coordinator").post(
        "/api/v1/partners/referrals",
        {"case": insulin_case.reference, "agreement": agreement.pk, "need_types": ["medicine"]},
        content_type="application/json",
    )

    assert response.status_code == 422
    assert response.json()["field"] == field
    assert not Referral.objects.exists()


def test_referral_under_a_need_the_case_does_not_have_is_refused(
    api_as: ApiAs, partner_api: Client, icrc: Organisation, insulin_case: Case
) -> None:
    agreement = _agreement(icrc, need_types=["medicine", "evacuation"])

    response = api_as("coordinator").post(
        "/api/v1/partners/referrals",
        {"case": insulin_case.reference, "agreement": agreement.pk, "need_types": ["evacuation"]},
        content_type="application/json",
    )

    assert response.status_code == 422
    assert response.json()["field"] == "need_types"
    assert "evacuation" in response.json()["detail"]
    assert not Referral.objects.exists()
    assert partner_api.get("/api/v1/partners/referrals").json() == []


def test_referral_under_a_need_already_met_is_refused(
    api_as: ApiAs, icrc: Organisation, insulin_case: Case
) -> None:
    insulin_case.needs.update(fulfilled_at=timezone.now())

    response = api_as("coordinator").post(
        "/api/v1/partners/referrals",
        {
            "case": insulin_case.reference,
            "agreement": _agreement(icrc).pk,
            "need_types": ["medicine"],
        },
        content_type="application/json",
    )

    assert (response.status_code, response.json()["field"]) == (422, "need_types")


def test_referral_of_an_unknown_case_is_422(
    api_as: ApiAs, icrc: Organisation, gazetteer: None
) -> None:
    agreement = _agreement(icrc)

    response = api_as("coordinator").post(
        "/api/v1/partners/referrals",
        {"case": "RL-NOPE", "agreement": agreement.pk, "need_types": ["medicine"]},
        content_type="application/json",
    )

    assert response.status_code == 422
    assert response.json()["field"] == "case"


@pytest.mark.parametrize("answer", ["accept", "decline"])
@pytest.mark.parametrize("body", [None, ["garbage"], "x"])
def test_answer_that_is_not_an_object_is_422_and_leaves_the_referral_pending(
    api_as: ApiAs,
    partner_api: Client,
    icrc: Organisation,
    insulin_case: Case,
    answer: str,
    body: object,
) -> None:
    _refer(api_as, insulin_case, _agreement(icrc))
    referral = Referral.objects.get()

    response = partner_api.post(
        f"/api/v1/partners/referrals/{referral.pk}/{answer}", json.dumps(body), "application/json"
    )

    assert response.status_code == 422
    assert response.json()["field"] == "body"
    referral.refresh_from_db()
    assert referral.status == "pending" and referral.responded_at is None


def test_referral_to_an_agreement_given_as_a_boolean_is_422(
    api_as: ApiAs, icrc: Organisation, insulin_case: Case
) -> None:
    _agreement(icrc)

    response = api_as("coordinator").post(
        "/api/v1/partners/referrals",
        {"case": insulin_case.reference, "agreement": True, "need_types": ["medicine"]},
        content_type="application/json",
    )

    assert response.status_code == 422
    assert response.json()["field"] == "agreement"
    assert not Referral.objects.exists()
