"""A second scan of a passenger already so marked says so, and writes nothing again.

"A passenger who is Boarded cannot be marked Boarded" read as a fault at a bus door:
the answer is "already on board", still a refusal (409), so that the mark and its
event are written once. A resend of the same request after a lost answer is not a
second scan: it replays the first answer (test_pages).
"""

from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import translation

from reliefline.access.tests.factories import token_for
from reliefline.evacuation import services
from reliefline.evacuation.errors import AlreadyMarked
from reliefline.evacuation.models import Placement, PlacementEvent
from reliefline.evacuation.tests import factories as f
from reliefline.places.models import Assignment

pytestmark = pytest.mark.usefixtures("gazetteer")

# Each mark, the marks before it, and what marking it again answers.
AGAIN = {
    "boarded": ((), "This passenger is already on board."),
    "no_show": ((), "This passenger is already marked as a no-show."),
    "arrived": (("boarded",), "This passenger has already arrived."),
}


def _marked(to: str, *, by: User) -> Placement:
    """Return the placement of an allocated convoy's one passenger, marked `to`."""
    f.allocated_convoy(by=by)
    placement = Placement.objects.get()
    for step in (*AGAIN[to][0], to):
        services.placement_mark(placement, to=step, by=by)
    return placement


def _field_team(user_in: Callable[[str], User]) -> User:
    field_team = user_in("field")
    Assignment.objects.create(user=field_team, place_id=f.SUDZHA)
    return field_team


@pytest.mark.parametrize("to", sorted(AGAIN))
def test_marking_again_says_already_and_writes_nothing(coordinator: User, to: str) -> None:
    placement = _marked(to, by=coordinator)
    events = PlacementEvent.objects.count()

    with translation.override("en"), pytest.raises(AlreadyMarked, match=AGAIN[to][1]) as refused:
        services.placement_mark(placement, to=to, by=coordinator)

    assert (refused.value.status, refused.value.code, refused.value.field) == (
        409,
        "already_marked",
        "status",
    )
    assert PlacementEvent.objects.count() == events


def test_a_second_scan_on_the_field_page_says_already_on_board(
    coordinator: User, user_in: Callable[[str], User]
) -> None:
    placement = _marked("boarded", by=coordinator)
    phone = Client()
    phone.force_login(_field_team(user_in))
    phone.cookies["django_language"] = "en"

    again = phone.post(
        f"/evacuation/convoys/{placement.vehicle.convoy_id}/field/mark/",
        {"code": placement.code, "to": "boarded"},
        headers={"HX-Request": "true"},
    )

    assert again.status_code == 409
    page = again.content.decode()
    assert "This passenger is already on board." in page
    assert "cannot be marked" not in page
    assert placement.events.filter(kind="boarded").count() == 1


def test_the_api_answers_a_second_boarding_409_already_marked(
    coordinator: User, user_in: Callable[[str], User]
) -> None:
    placement = _marked("boarded", by=coordinator)
    api = Client(headers={"Authorization": f"Bearer {token_for(_field_team(user_in))}"})

    again = api.post(
        "/api/v1/evacuation/boarding",
        {"code": placement.code, "status": "boarded"},
        content_type="application/json",
        headers={"Accept-Language": "en"},
    )

    assert again.status_code == 409
    assert again.json() == {
        "detail": "status: This passenger is already on board.",
        "code": "already_marked",
        "field": "status",
    }
