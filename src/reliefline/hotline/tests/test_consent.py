"""Consent and legal basis are recorded at intake, through the API and the form."""

import json
from typing import Any

from django.test import Client

from reliefline.people.models import Person

SUDZHA_SMS: dict[str, Any] = {
    "channel": "sms",
    "language": "ru",
    "caller": {"given_name": "Наталья", "phone": "+79101230001"},
}


def _post(client: Client, body: dict[str, Any]) -> Any:
    return client.post("/api/v1/cases", json.dumps(body), content_type="application/json")


def test_consent_method_defaults_to_what_the_channel_implies(db: None, api_as) -> None:
    client = api_as("operator")
    assert _post(client, SUDZHA_SMS).status_code == 201
    phone = {
        **SUDZHA_SMS,
        "channel": "phone",
        "caller": {"given_name": "Ирина", "phone": "+79101230002"},
    }
    assert _post(client, phone).status_code == 201
    methods = dict(Person.objects.values_list("given_name", "consent_method"))
    assert methods == {"Наталья": "written", "Ирина": "verbal"}
    assert (
        Person.objects.filter(consent_at__isnull=False, consent_recorded_by__isnull=False).count()
        == 2
    )


def test_vital_interest_without_consent_is_recorded_as_such(db: None, api_as) -> None:
    caller = {
        **SUDZHA_SMS["caller"],
        "legal_basis": "vital_interest",
        "consent_method": "not_obtained",
    }
    assert _post(api_as("operator"), {**SUDZHA_SMS, "caller": caller}).status_code == 201
    person = Person.objects.get()
    assert (person.legal_basis, person.consent_method, person.consent_at) == (
        "vital_interest",
        "not_obtained",
        None,
    )


def test_consent_as_basis_without_consent_is_refused(db: None, api_as) -> None:
    caller = {**SUDZHA_SMS["caller"], "consent_method": "not_obtained"}
    response = _post(api_as("operator"), {**SUDZHA_SMS, "caller": caller})
    assert response.status_code == 422
    assert response.json()["detail"].startswith("caller.consent_method")
    assert not Person.objects.exists()


def test_the_new_call_form_records_the_legal_basis(db: None, client_as) -> None:
    response = client_as("operator").post(
        "/hotline/new/",
        {
            "channel": "walk_in",
            "language": "uk",
            "given_name": "Олена",
            "legal_basis": "consent",
            "consent_method": "",
            "household_size": "1",
        },
    )
    assert response.status_code == 302
    assert Person.objects.get().consent_method == "in_person"
