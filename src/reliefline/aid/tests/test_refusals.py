"""Distributions handed out offline and refused once sent: reported once, settled once."""

import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.db.models import Sum
from django.utils import timezone

from reliefline.access.models import AuditEntry
from reliefline.aid.errors import AlreadySettled, WriteOffShort
from reliefline.aid.models import (
    Balance,
    Distribution,
    DistributionRefusal,
    Movement,
    MovementKind,
    Warehouse,
)
from reliefline.aid.retention import refusal_texts_forget
from reliefline.aid.services import (
    DistributionInput,
    LineInput,
    RefusalInput,
    distribution_record,
    refusal_report,
    refusal_settle,
    stock_lose,
)
from reliefline.aid.tests.factories import (
    family,
    water_point,
)
from reliefline.errors import Conflict, InvalidInput
from reliefline.hotline.subject import subject_export
from reliefline.people.models import Household, Person

pytestmark = pytest.mark.django_db
KEY = "6f1c1f5e-2a3b-4c5d-8e9f-0a1b2c3d4e5f"


@pytest.fixture
def point() -> Warehouse:
    return water_point(name="Sudzha school gym")


@pytest.fixture
def household() -> Household:
    return family(("Ольга", "Коваленко"), ("Сергій", "Коваленко"))


def _report(household: Household, by: User, *, key: str = KEY, quantity: int = 2):
    return refusal_report(
        RefusalInput(
            key=key,
            warehouse="SUDZHA-1",
            household_id=household.pk,
            handed_out_at=timezone.now() - dt.timedelta(hours=3),
            reasons="Water: already received 1 distribution in 7 days.",
            lines=[LineInput("WATER-5L", quantity)],
            confirmation_code="4821",
        ),
        by=by,
    )


def _ledger_matches(warehouse: Warehouse) -> bool:
    moved = Movement.objects.filter(warehouse=warehouse).aggregate(n=Sum("quantity"))["n"]
    held = Balance.objects.filter(warehouse=warehouse).aggregate(n=Sum("quantity"))["n"]
    return bool(moved == held)


def test_a_report_sent_twice_is_stored_once(point: Warehouse, household: Household, user_in):
    team = user_in("coordinator")
    first = _report(household, team)
    again = _report(household, team, quantity=5)

    assert (first.created, again.created) == (True, False)
    assert again.refusal.pk == first.refusal.pk
    refusal = DistributionRefusal.objects.get()
    assert [(line.item.code, line.quantity) for line in refusal.lines.all()] == [("WATER-5L", 2)]
    assert (refusal.status, refusal.by, refusal.confirmation_code) == ("open", team, "4821")
    assert AuditEntry.objects.filter(record=f"aid.refusal:{refusal.pk}").count() == 1


def test_another_users_key_is_refused(point: Warehouse, household: Household, user_in):
    _report(household, user_in("coordinator"))
    with pytest.raises(Conflict, match="Another user reported a refusal with this key"):
        _report(household, user_in("coordinator"))


def test_a_key_that_recorded_a_distribution_is_not_a_refusal(
    point: Warehouse, household: Household, user_in
):
    team = user_in("coordinator")
    distribution_record(
        DistributionInput(
            warehouse="SUDZHA-1", household_id=household.pk, lines=[LineInput("WATER-5L", 1)]
        ),
        by=team,
        key=KEY,
    )
    with pytest.raises(Conflict, match="was recorded"):
        _report(household, team)
    assert not DistributionRefusal.objects.exists()


def test_a_bad_line_stores_nothing(point: Warehouse, household: Household, user_in):
    with pytest.raises(InvalidInput) as refused:
        refusal_report(
            RefusalInput(
                key=KEY,
                warehouse="SUDZHA-1",
                household_id=household.pk,
                handed_out_at=timezone.now(),
                reasons="refused",
                lines=[LineInput("WATER-5L", 0)],
            ),
            by=user_in("coordinator"),
        )
    assert refused.value.field == "lines[0].quantity"
    assert not DistributionRefusal.objects.exists()


def test_written_off_books_a_loss_and_keeps_the_ledger_whole(
    point: Warehouse, household: Household, user_in
):
    refusal = _report(household, user_in("coordinator")).refusal
    coordinator = user_in("coordinator")

    settled = refusal_settle(
        refusal, how="written_off", note="Handed out at the school", by=coordinator
    )

    (loss,) = settled.write_off.all()
    assert (loss.kind, loss.quantity, loss.reference) == (MovementKind.LOSS, -2, str(refusal))
    assert "Handed out at the school" not in loss.reason  # the ledger is never purged
    assert (settled.status, settled.settlement, settled.settled_by) == (
        "settled",
        "written_off",
        coordinator,
    )
    assert Balance.objects.get(warehouse=point).quantity == 98
    assert _ledger_matches(point)


def test_written_off_is_refused_when_the_warehouse_holds_too_little(
    point: Warehouse, household: Household, user_in
):
    refusal = _report(household, user_in("coordinator")).refusal
    stock_lose(
        warehouse=point, item=refusal.lines.get().item, quantity=99, reason="shelling", by=None
    )

    with pytest.raises(
        WriteOffShort, match=r"cannot be written off: Only 1 of .* Put the stock right"
    ):
        refusal_settle(refusal, how="written_off", by=user_in("coordinator"))

    refusal.refresh_from_db()
    assert refusal.status == "open" and not refusal.write_off.exists()
    assert Balance.objects.get(warehouse=point).quantity == 1


def test_recorded_now_makes_the_distribution_and_links_it(
    point: Warehouse, household: Household, user_in
):
    refusal = _report(household, user_in("coordinator")).refusal

    settled = refusal_settle(refusal, how="recorded", by=user_in("coordinator"))

    distribution = Distribution.objects.get()
    assert settled.distribution == distribution
    assert distribution.confirmation_code == "4821"
    assert Balance.objects.get(warehouse=point).quantity == 98
    assert _ledger_matches(point)


def test_recorded_links_a_distribution_recorded_afterwards(
    point: Warehouse, household: Household, user_in
):
    refusal = _report(household, user_in("coordinator")).refusal
    again = distribution_record(
        DistributionInput(
            warehouse="SUDZHA-1", household_id=household.pk, lines=[LineInput("WATER-5L", 2)]
        ),
        by=None,
    )
    coordinator = user_in("coordinator")

    settled = refusal_settle(refusal, how="recorded", distribution_id=again.pk, by=coordinator)

    assert settled.distribution == again
    assert Distribution.objects.count() == 1
    other = _report(household, user_in("coordinator"), key="other-key").refusal
    with pytest.raises(InvalidInput, match=f"{again} already settles {refusal}"):
        refusal_settle(other, how="recorded", distribution_id=again.pk, by=coordinator)


def test_not_given_needs_a_note_and_writes_nothing_to_the_ledger(
    point: Warehouse, household: Household, user_in
):
    refusal = _report(household, user_in("coordinator")).refusal
    coordinator = user_in("coordinator")
    with pytest.raises(InvalidInput, match="required") as refused:
        refusal_settle(refusal, how="not_given", by=coordinator)
    assert refused.value.field == "note"

    settled = refusal_settle(refusal, how="not_given", note="The truck never left", by=coordinator)

    assert (settled.settlement, settled.note) == ("not_given", "The truck never left")
    assert Movement.objects.count() == 1  # the receipt only


def test_settling_twice_is_409_and_changes_nothing(point: Warehouse, household: Household, user_in):
    refusal = _report(household, user_in("coordinator")).refusal
    coordinator = user_in("coordinator")
    refusal_settle(refusal, how="written_off", by=coordinator)

    with pytest.raises(AlreadySettled, match="has already been settled") as twice:
        refusal_settle(refusal, how="written_off", by=coordinator)

    assert twice.value.status == 409
    assert Balance.objects.get(warehouse=point).quantity == 98


def test_an_unknown_settlement_names_the_field(point: Warehouse, household: Household, user_in):
    refusal = _report(household, user_in("coordinator")).refusal
    with pytest.raises(InvalidInput) as refused:
        refusal_settle(refusal, how="lost", by=user_in("coordinator"))
    assert refused.value.field == "how"


def test_the_export_holds_the_households_refusals(point: Warehouse, household: Household, user_in):
    refusal = _report(household, user_in("coordinator")).refusal
    refusal_settle(refusal, how="not_given", note="Counted twice", by=user_in("coordinator"))

    for member in household.members.all():
        (row,) = subject_export(member.pk, by=user_in("dpo")).as_dict()["distribution_refusals"]
        assert row["reference"] == str(refusal) and row["items"] == [
            {"item": "WATER-5L", "quantity": 2}
        ]
        assert (row["settlement"], row["note"], row["warehouse"]) == (
            "not_given",
            "Counted twice",
            "Sudzha school gym",
        )
    stranger = family(("Ирина", "Шевченко")).members.get()
    assert subject_export(stranger.pk, by=user_in("dpo")).as_dict()["distribution_refusals"] == []


def test_purging_a_member_empties_the_refusals_texts(
    point: Warehouse, household: Household, user_in
):
    refusal = _report(household, user_in("coordinator")).refusal
    refusal_settle(refusal, how="not_given", note="The mother said", by=user_in("coordinator"))
    kept = _report(family(("Ирина", "Шевченко")), user_in("coordinator"), key="kept").refusal
    Person.objects.filter(household=household).update(purged_at=timezone.now())

    assert refusal_texts_forget() == 1

    refusal.refresh_from_db()
    assert (refusal.reasons, refusal.note, refusal.lines.get().quantity) == ("", "", 2)
    kept.refresh_from_db()
    assert kept.reasons.startswith("Water")
