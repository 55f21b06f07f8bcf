"""The data-subject export holds the person's evacuation requests (hotline.subject)."""

import json

import pytest
from django.contrib.auth.models import User

from reliefline.evacuation import services
from reliefline.evacuation.models import Placement
from reliefline.evacuation.tests import factories as f
from reliefline.hotline.subject import subject_export

pytestmark = pytest.mark.usefixtures("gazetteer")


def test_export_holds_membership_consent_mobility_and_the_place_given(
    coordinator: User, user_in
) -> None:
    convoy = f.convoy(by=coordinator)
    request = f.request(family=[("Анна", "wheelchair", False)], by=coordinator)
    services.convoy_allocate(convoy, by=coordinator, time_limit=2)
    mother = request.members.get(mobility="wheelchair")
    placement = Placement.objects.get(person_id=mother.person_id)
    services.placement_mark(placement, to="boarded", by=coordinator)

    export = subject_export(mother.person_id, by=user_in("dpo")).as_dict()

    (row,) = export["evacuation_requests"]
    assert row["request"] == str(request) and row["case"] == request.case.reference
    assert (row["going"], row["mobility"], row["needs_medic"]) == (True, "wheelchair", False)
    assert row["consent_method"] == "written" and row["consent_at"]
    (place,) = row["places"]
    assert (place["kind"], place["status"], place["code"]) == (
        "wheelchair",
        "boarded",
        placement.code,
    )
    assert [e["kind"] for e in place["events"]] == ["allocated", "boarded"]
    json.dumps(export)


def test_other_members_of_the_request_are_left_out(coordinator: User, user_in) -> None:
    request = f.request(family=[("Анна", "stretcher", False)], by=coordinator)

    caller = request.case.caller
    assert caller is not None
    export = subject_export(caller.pk, by=user_in("dpo")).as_dict()

    assert [row["mobility"] for row in export["evacuation_requests"]] == ["walking"]
    assert "Анна" not in json.dumps(export, ensure_ascii=False)
