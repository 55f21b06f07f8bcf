from collections.abc import Sequence

from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from reliefline.hotline.models import Case
from reliefline.hotline.services import CaseInput, NeedInput, case_open
from reliefline.people.services import PersonInput


def open_case(
    *,
    phone: str = "+79101234567",
    given_name: str = "Ирина",
    family_name: str = "Верещук",
    needs: Sequence[NeedInput] = (NeedInput(type="water"),),
    vulnerabilities: Sequence[str] = (),
    settlement_id: str | None = None,
    language: str = "ru",
    channel: str = "sms",
    household_size: int = 1,
    message: str = "",
    by: User | None = None,
) -> Case:
    """Return a case opened through the intake service, as an operator would."""
    return case_open(
        CaseInput(
            channel=channel,
            language=language,
            caller=PersonInput(given_name=given_name, family_name=family_name, phone=phone),
            settlement_id=settlement_id,
            household_size=household_size,
            needs=needs,
            vulnerabilities=vulnerabilities,
            message=message,
        ),
        by=by,
    )


def case_page(client: Client, case: Case, language: str) -> str:
    """Return the case page as the client reads it with the language switcher at `language`."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(reverse("hotline:case", args=[case.reference]))
    assert response.status_code == 200
    return response.content.decode()


def case_api_texts(client: Client, case: Case, language: str) -> list[str]:
    """Return the texts of the case's timeline from the API, asked for in `language`."""
    response = client.get(f"/api/v1/cases/{case.reference}", headers={"Accept-Language": language})
    assert response.status_code == 200
    return [event["text"] for event in response.json()["events"]]
