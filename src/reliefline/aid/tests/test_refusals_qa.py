"""What settles a refusal, and what a settlement may not be given (QA of the feature):
one rule for the distributions that settle it, write-offs never reversed, fields
named as sent, a stale page told so, hand-out times a phone could give."""

import datetime as dt
import json
import re
from collections.abc import Callable

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from reliefline.aid.errors import SettlesRefusal
from reliefline.aid.models import (
    Balance,
    Distribution,
    DistributionRefusal,
    DistributionRule,
    ItemKind,
    Movement,
    MovementKind,
    Warehouse,
)
from reliefline.aid.selectors import refusal_candidates
from reliefline.aid.services import (
    DistributionInput,
    LineInput,
    RefusalInput,
    distribution_record,
    movement_reverse,
    refusal_report,
    refusal_settle,
)
from reliefline.aid.tests.factories import ItemFactory, WarehouseFactory, family, stocked
from reliefline.errors import InvalidInput
from reliefline.people.models import Household

pytestmark = pytest.mark.django_db
As = Callable[[str], Client]


@pytest.fixture
def point() -> Warehouse:
    DistributionRule.objects.all().delete()  # several hand-outs a day, here
    warehouse = WarehouseFactory(code="SUDZHA-1")
    stocked(warehouse, ItemFactory(code="WATER-5L", name_en="Water 5 l", kind=ItemKind.WATER), 100)
    return warehouse


@pytest.fixture
def household() -> Household:
    return family(("Ольга", "Коваленко"))


def _give(household: Household, *, warehouse: str = "SUDZHA-1", quantity: int = 1) -> Distribution:
    return distribution_record(
        DistributionInput(
            warehouse=warehouse,
            household_id=household.pk,
            lines=[LineInput("WATER-5L", quantity)],
        ),
        by=None,
    )


def _report(household: Household, by: User, *, when: dt.datetime | None = None):
    return refusal_report(
        RefusalInput(
            key="k-1",
            warehouse="SUDZHA-1",
            household_id=household.pk,
            handed_out_at=when or timezone.now() - dt.timedelta(hours=1),
            reasons="Water: already received 1 distribution in 7 days.",
            lines=[LineInput("WATER-5L", 2)],
        ),
        by=by,
    )


def _post(client: Client, url: str, body: dict[str, object]):
    return client.post(url, json.dumps(body), content_type="application/json")


# ---- 4: one rule for which distributions settle a refusal ---------------------------


def test_the_distribution_that_caused_the_refusal_does_not_settle_it(
    point: Warehouse, household: Household, user_in
):
    cause = _give(household)  # recorded meanwhile: the phone's was refused for it
    refusal = _report(household, user_in("coordinator")).refusal

    with pytest.raises(InvalidInput, match=f"recorded after {refusal} was reported") as refused:
        refusal_settle(refusal, how="recorded", distribution_id=cause.pk, by=user_in("coordinator"))

    assert refused.value.field == "distribution_id"
    assert refusal_candidates(refusal) == []
    assert DistributionRefusal.objects.get().status == "open"


def test_a_distribution_from_another_warehouse_does_not_settle_it(
    point: Warehouse, household: Household, user_in
):
    other = WarehouseFactory(code="SUDZHA-2")
    stocked(other, point.balances.get().item, 10)
    refusal = _report(household, user_in("coordinator")).refusal
    elsewhere = _give(household, warehouse="SUDZHA-2")
    again = _give(household)

    assert refusal_candidates(refusal) == [again]
    with pytest.raises(InvalidInput) as refused:
        refusal_settle(
            refusal, how="recorded", distribution_id=elsewhere.pk, by=user_in("coordinator")
        )
    assert refused.value.field == "distribution_id"


def test_the_page_offers_only_what_settles_it_with_its_items(
    client_as: As, point: Warehouse, household: Household, user_in
):
    cause = _give(household)
    _report(household, user_in("coordinator"))
    again = _give(household, quantity=2)
    client = client_as("coordinator")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    page = client.get("/aid/refusals/").content.decode()

    options = re.findall(r'<option value="(\d+)"[^>]*>([^<]*)</option>', page)
    assert [int(pk) for pk, _label in options] == [again.pk]
    assert f"{again} · " in options[0][1] and options[0][1].endswith("Water 5 l × 2")
    assert str(cause) not in page


def test_api_settling_with_an_earlier_distribution_is_422_naming_distribution_id(
    api_as: As, point: Warehouse, household: Household, user_in
):
    cause = _give(household)
    refusal = _report(household, user_in("coordinator")).refusal

    answer = _post(
        api_as("coordinator"),
        f"/api/v1/aid/refusals/{refusal.pk}/settle",
        {"how": "recorded", "distribution_id": cause.pk},
    )

    assert answer.status_code == 422
    assert answer.json()["field"] == "distribution_id"
    assert answer.json()["detail"].startswith("distribution_id: ")
    assert DistributionRefusal.objects.get().status == "open"


# ---- 5: a refusal's write-off is not reversed ----------------------------------------


def test_a_refusals_write_off_is_not_offered_nor_reversed(
    client_as: As, point: Warehouse, household: Household, user_in
):
    refusal = _report(household, user_in("coordinator")).refusal
    refusal_settle(refusal, how="written_off", by=user_in("coordinator"))
    loss = Movement.objects.get(kind=MovementKind.LOSS)
    client = client_as("coordinator")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    page = client.get("/aid/ledger/").content.decode()
    answer = client.post(f"/aid/movements/{loss.pk}/reverse/", {"reason": "back on the shelf"})

    assert f'action="/aid/movements/{loss.pk}/reverse/"' not in page
    assert answer.status_code == 409
    assert f"settles refusal {refusal}" in answer.content.decode()
    assert not Movement.objects.filter(kind=MovementKind.REVERSAL).exists()
    assert Balance.objects.get(warehouse=point).quantity == 98
    with pytest.raises(SettlesRefusal, match=f"Movement {loss.pk} settles refusal {refusal}"):
        movement_reverse(loss, reason="back on the shelf", by=None)


# ---- 9 and 14: only `recorded` takes a distribution or a justification -----------------


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"how": "not_given", "note": "never left", "distribution_id": 1}, "distribution_id"),
        ({"how": "written_off", "distribution_id": 1}, "distribution_id"),
        ({"how": "written_off", "override_reason": "the mayor asked"}, "override_reason"),
        ({"how": "not_given", "note": "x", "override_reason": "the mayor"}, "override_reason"),
    ],
)
def test_api_refuses_what_only_recorded_takes(
    api_as: As, point: Warehouse, household: Household, user_in, body: dict[str, object], field: str
):
    refusal = _report(household, user_in("coordinator")).refusal

    answer = _post(api_as("coordinator"), f"/api/v1/aid/refusals/{refusal.pk}/settle", body)

    assert answer.status_code == 422 and answer.json()["field"] == field
    assert DistributionRefusal.objects.get().status == "open"
    assert Balance.objects.get(warehouse=point).quantity == 100


def test_the_page_shows_the_distributions_error_next_to_its_field(
    client_as: As, point: Warehouse, household: Household, user_in
):
    refusal = _report(household, user_in("coordinator")).refusal
    again = _give(household)
    client = client_as("coordinator")

    answer = client.post(
        f"/aid/refusals/{refusal.pk}/settle/",
        {"how": "written_off", "distribution": str(again.pk)},
        headers={"HX-Request": "true"},
    )

    assert answer.status_code == 422
    errors = answer.context["row"]["form"].errors
    assert list(errors) == ["distribution"]
    assert DistributionRefusal.objects.get().status == "open"


# ---- 10: a stale page is told the refusal is settled ----------------------------------


@pytest.mark.parametrize("htmx", [True, False])
def test_a_stale_page_shows_already_settled_in_the_row(
    client_as: As, point: Warehouse, household: Household, user_in, htmx: bool
):
    refusal = _report(household, user_in("coordinator")).refusal
    client = client_as("coordinator")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    headers = {"HX-Request": "true"} if htmx else {}
    url = f"/aid/refusals/{refusal.pk}/settle/"
    client.post(url, {"how": "not_given", "note": "never left"}, headers=headers)

    answer = client.post(url, {"how": "written_off"}, headers=headers)

    assert answer.status_code == 409
    body = answer.content.decode()
    row = body[body.index(f'id="refusal-{refusal.pk}"') :]
    assert re.search(r'role="alert">[^<]*has already been settled', row)
    assert "Not handed out after all" in row
    assert Balance.objects.get(warehouse=point).quantity == 100


# ---- 13: a hand-out time a phone could give ---------------------------------------------


@pytest.mark.parametrize("when", ["2031-01-01T10:00:00+00:00", "1901-01-01T10:00:00+00:00"])
def test_api_refuses_an_impossible_hand_out_time(
    api_as: As, point: Warehouse, household: Household, when: str
):
    body = {
        "key": "k-2",
        "warehouse": "SUDZHA-1",
        "household_id": household.pk,
        "lines": [{"item": "WATER-5L", "quantity": 2}],
        "handed_out_at": when,
        "reasons": "Only 0 left.",
    }
    answer = _post(api_as("coordinator"), "/api/v1/aid/refusals", body)

    assert answer.status_code == 422 and answer.json()["field"] == "handed_out_at"
    assert not DistributionRefusal.objects.exists()


@pytest.mark.parametrize(
    "shift", [dt.timedelta(days=1, hours=1), -dt.timedelta(days=367), -dt.timedelta(days=366 * 5)]
)
def test_the_phones_report_refuses_an_impossible_hand_out_time(
    client_as: As, point: Warehouse, household: Household, shift: dt.timedelta
):
    when = (timezone.now() + shift).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    answer = client_as("coordinator").post(
        "/aid/refusals/report/",
        {
            "key": "k-3",
            "warehouse": "SUDZHA-1",
            "household": str(household.pk),
            "qty_WATER-5L": "2",
            "handed_out_at": when,
            "reasons": "Only 0 left.",
        },
    )

    assert answer.status_code == 422 and answer.json()["field"] == "handed_out_at"
    assert not DistributionRefusal.objects.exists()


def test_a_hand_out_time_within_the_bounds_is_taken(
    point: Warehouse, household: Household, user_in
):
    reported = _report(
        household, user_in("coordinator"), when=timezone.now() - dt.timedelta(days=365)
    )
    assert reported.created


# ---- 17: the list's texts and filter --------------------------------------------------


def test_the_list_has_no_double_period_and_marks_the_current_filter(
    client_as: As, point: Warehouse, household: Household, user_in
):
    _report(household, user_in("coordinator"))
    client = client_as("coordinator")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    page = client.get("/aid/refusals/").content.decode()
    settled = client.get("/aid/refusals/?status=settled", headers={"HX-Request": "true"})

    assert ".." not in re.sub(r"<[^>]*>", "", page)
    assert re.search(r'href="\?status=open"[^>]*aria-current="page"', page)
    current = re.findall(r'href="\?status=(\w+)"[^>]*aria-current="page"', settled.content.decode())
    assert current == ["settled"]
