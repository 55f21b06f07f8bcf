"""A purged case turns into no claim: its report's note would outlive the purge.

QA: close a case, `purge --days 0`, then post "Turn into a claim" with a note from its
page: the claim was stored with the note and the case reference, after the purge
that empties such notes had run. Refused with 409 naming `case`, as every other
write on a purged case is.
"""

import datetime as dt
from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import SUDZHA
from reliefline.hotline import services
from reliefline.hotline.models import Case, Status
from reliefline.hotline.retention import cases_purge
from reliefline.hotline.services import NeedInput
from reliefline.hotline.tests.factories import open_case
from reliefline.places.models import Claim

pytestmark = pytest.mark.usefixtures("gazetteer")


def _closed(by: User) -> Case:
    """Return a water case of Sudzha, closed a year ago."""
    case = open_case(settlement_id=SUDZHA, needs=(NeedInput(type="water"),), message="No water")
    case = services.case_transition(case, to=Status.CLOSED, by=by)
    Case.objects.filter(pk=case.pk).update(closed_at=timezone.now() - dt.timedelta(days=365))
    return case


def _claim(client: Client, case: Case):
    return client.post(
        reverse("hotline:case_claim", args=[case.reference]),
        {"report": "water:none", "note": "колонка на Ленина сухая"},
    )


def test_a_report_on_a_purged_case_is_refused_with_409(
    client_as: Callable[[str], Client], user_in: Callable[[str], User]
) -> None:
    case = _closed(user_in("coordinator"))
    cases_purge(days=90)
    client = client_as("operator")
    client.cookies["django_language"] = "en"

    response = _claim(client, case)

    assert response.status_code == 409
    assert f"Case {case.reference} was purged under retention" in response.content.decode()
    assert not Claim.objects.filter(case_reference=case.reference).exists()


def test_a_report_on_a_closed_case_not_yet_purged_is_recorded(
    client_as: Callable[[str], Client], user_in: Callable[[str], User]
) -> None:
    case = _closed(user_in("coordinator"))

    response = _claim(client_as("operator"), case)

    assert response.status_code == 302
    assert Claim.objects.get(case_reference=case.reference).note == "колонка на Ленина сухая"
