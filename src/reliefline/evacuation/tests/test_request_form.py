"""The evacuation request form: what it refuses, and where it says so."""

import re

import pytest
from django.contrib.auth.models import User
from django.test import Client

from reliefline.evacuation.models import EvacuationRequest
from reliefline.evacuation.tests import factories as f
from reliefline.evacuation.tests.helpers import row
from reliefline.hotline.models import Case
from reliefline.people.models import Person

pytestmark = pytest.mark.usefixtures("gazetteer")


def _family(user: User) -> tuple[Case, Person, Person]:
    """Return a case asking to leave, its caller and a relative in the household."""
    case = f.open_case(needs=(f.NeedInput(type="evacuation"),), settlement_id=f.SUDZHA, by=user)
    assert case.household is not None and case.caller is not None
    relative = f.person_create(
        f.PersonInput(given_name="Валентина", family_name="Соколова"), household=case.household
    )
    return case, case.caller, relative


def test_a_person_ticked_going_and_refusing_is_refused_at_their_row(
    english: tuple[Client, User],
) -> None:
    client, user = english
    case, caller, relative = _family(user)
    response = client.post(
        f"/evacuation/cases/{case.reference}/request/",
        {
            "direction": "UA",
            f"going_{caller.pk}": "on",
            f"consent_{caller.pk}": "written",
            f"going_{relative.pk}": "on",
            f"refuses_{relative.pk}": "on",
            f"mobility_{relative.pk}": "wheelchair",
            f"consent_{relative.pk}": "in_person",
        },
    )
    assert response.status_code == 422
    assert not EvacuationRequest.objects.exists()
    page = response.content.decode()
    relative_row = row(page, relative.pk)
    assert "Tick either Goes or Refuses for this person, not both." in relative_row
    # What was typed stays: both boxes, the wheelchair, the consent, the side.
    assert re.search(rf'name="going_{relative.pk}"[^>]*checked', relative_row)
    assert re.search(rf'name="refuses_{relative.pk}"[^>]*checked', relative_row)
    assert '<option value="wheelchair" selected>' in relative_row
    assert '<option value="in_person" selected>' in relative_row
    assert re.search(r'name="direction" value="UA"[^>]*checked', page)
    assert "Tick either" not in row(page, caller.pk)


def test_a_refusal_of_the_service_shows_the_message_at_the_row_without_the_field_code(
    english: tuple[Client, User],
) -> None:
    client, user = english
    case, caller, relative = _family(user)
    response = client.post(
        f"/evacuation/cases/{case.reference}/request/",
        {
            "direction": "UA",
            f"going_{caller.pk}": "on",
            f"consent_{caller.pk}": "written",
            f"going_{relative.pk}": "on",
            f"consent_{relative.pk}": "not_obtained",
        },
    )
    assert response.status_code == 422
    page = response.content.decode()
    # members[1] is the second person ticked: the relative, not the caller.
    assert "Record how the person consented to leave." in row(page, relative.pk)
    assert "Record how the person consented" not in row(page, caller.pk)
    assert "members[" not in page and "consent_method" not in page


def test_nobody_ticked_is_said_above_the_members_without_the_field_code(
    english: tuple[Client, User],
) -> None:
    client, user = english
    case, _caller, _relative = _family(user)
    response = client.post(f"/evacuation/cases/{case.reference}/request/", {"direction": "RU"})
    assert response.status_code == 422
    page = response.content.decode()
    assert '<p class="error-box" role="alert" id="members-error">Name who goes.</p>' in page
    assert "members:" not in page


def test_a_request_without_a_side_is_refused_at_the_side(english: tuple[Client, User]) -> None:
    client, user = english
    case, caller, _relative = _family(user)
    response = client.post(
        f"/evacuation/cases/{case.reference}/request/",
        {f"going_{caller.pk}": "on", f"consent_{caller.pk}": "verbal"},
    )
    assert response.status_code == 422
    fieldset = response.content.decode().split("<fieldset")[1].split("</fieldset>")[0]
    assert "This field is required." in fieldset
    assert re.search(rf'name="going_{caller.pk}"[^>]*checked', response.content.decode())
    assert not EvacuationRequest.objects.exists()
