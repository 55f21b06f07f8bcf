"""A household a merge folded into another is served as the kept one: its page leads
there, a distribution to it is refused (409), and the field pages show no merged
record, yet find the family under the spelling merged away."""

import datetime as dt
import json
import re
from collections.abc import Callable

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from reliefline.access.models import AuditAction, AuditEntry
from reliefline.aid.errors import HouseholdMerged
from reliefline.aid.models import Balance, Distribution, DistributionRefusal, Warehouse
from reliefline.aid.selectors import household_group, refusal_settlers
from reliefline.aid.services import DistributionInput, LineInput, distribution_record
from reliefline.aid.services import distributions as distributions_module
from reliefline.aid.services.refusals import RefusalInput, refusal_report, refusal_settle
from reliefline.aid.tests.factories import family, water_point
from reliefline.errors import InvalidInput
from reliefline.people.merge import MergeRequest, person_merge
from reliefline.people.models import Household, Merge, Person
from reliefline.people.selectors import person_lookup

pytestmark = pytest.mark.django_db
As = Callable[[str], Client]
KEY = "3d2c1b0a-9f8e-4d7c-8b6a-5f4e3d2c1b0a"
FORM = {"warehouse": "SUDZHA-1", "qty_WATER-5L": "2", "idempotency_key": KEY}


@pytest.fixture
def point() -> Warehouse:
    return water_point()


def give(household: Household, *, by: User | None = None) -> Distribution:
    return distribution_record(
        DistributionInput(
            warehouse="SUDZHA-1", household_id=household.pk, lines=[LineInput("WATER-5L", 2)]
        ),
        by=by,
    )


def fold(kept: Household, folded: Household) -> Merge:
    """Merge the member of `folded` into the member of `kept`, folding the households."""
    request = MergeRequest(
        survivor_id=kept.members.get().pk,
        merged_id=folded.members.get().pk,
        fields={},
        merge_households=True,
    )
    return person_merge(request, by=None)


def folded_pair(spelled: tuple[str, str] = ("Halyna", "Lysenko")) -> tuple[Household, Household]:
    """Return Галина Лисенко's household and hers registered again as `spelled`, folded
    into the first."""
    kept, folded = family(("Галина", "Лисенко")), family(spelled)
    fold(kept, folded)
    return kept, folded


def folded_chain() -> tuple[Household, Household, Household]:
    """Return three registrations of one woman, A folded into B, then B into C."""
    a = family(("Галина", "Лысенко"))
    b = family(("Halyna", "Lysenko"))
    c = family(("Галя", "Лисенко"))
    fold(b, a)
    fold(c, b)
    return a, b, c


def refused(kept: Household) -> str:
    return f"This household was merged into {kept}; use that one."


def english(client: Client) -> Client:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def last_audit(action: AuditAction) -> AuditEntry:
    return AuditEntry.objects.filter(action=action).order_by("-pk")[0]


# ---- distribution_record ----------------------------------------------------------


def test_a_distribution_to_a_folded_household_is_refused_naming_the_kept_one(
    point: Warehouse,
) -> None:
    kept, folded = folded_pair()

    with pytest.raises(HouseholdMerged) as error:
        give(folded)

    assert (error.value.status, error.value.code, error.value.field) == (
        409,
        "household_merged",
        "household_id",
    )
    assert error.value.message == refused(kept)
    assert not Distribution.objects.exists()
    assert Balance.objects.get(warehouse=point).quantity == 100


def test_a_chain_of_folds_names_the_last_kept_household(point: Warehouse) -> None:
    a, b, c = folded_chain()

    for household in (a, b):
        with pytest.raises(HouseholdMerged, match=re.escape(refused(c))):
            give(household)
    assert give(c).household == c


def test_a_merge_committed_while_the_family_is_read_is_refused_under_the_lock(
    point: Warehouse, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The family is read before the transaction; a coordinator's merge folding the
    # household may commit meanwhile, and the lock then reads it folded.
    kept = family(("Галина", "Лисенко"))
    folded = family(("Halyna", "Lysenko"))

    def merged_meanwhile(household: Household) -> list[int]:
        group = household_group(household)
        fold(kept, folded)
        return group

    monkeypatch.setattr(distributions_module, "household_group", merged_meanwhile)

    with pytest.raises(HouseholdMerged, match=re.escape(refused(kept))):
        give(folded)
    assert not Distribution.objects.exists()
    assert Balance.objects.get(warehouse=point).quantity == 100


def test_the_api_refuses_a_folded_household_with_409_naming_the_field(
    point: Warehouse, api_as: As
) -> None:
    kept, folded = folded_pair()
    body = {
        "warehouse": "SUDZHA-1",
        "household_id": folded.pk,
        "lines": [{"item": "WATER-5L", "quantity": 2}],
    }

    answer = english(api_as("coordinator")).post(
        "/api/v1/aid/distributions", json.dumps(body), content_type="application/json"
    )

    assert answer.status_code == 409
    assert answer.json() == {
        "detail": f"household_id: {refused(kept)}",
        "code": "household_merged",
        "field": "household_id",
    }
    assert not Distribution.objects.exists()


# ---- the household page -----------------------------------------------------------


def test_the_page_of_a_folded_household_leads_to_the_last_kept_one_with_a_message(
    point: Warehouse, client_as: As
) -> None:
    a, _, c = folded_chain()
    client = english(client_as("coordinator"))

    answer = client.get(f"/aid/field/households/{a.pk}/")

    assert answer.status_code == 302
    assert answer["Location"] == f"/aid/field/households/{c.pk}/"
    page = client.get(answer["Location"]).content.decode()
    assert f"Household {a} was merged into {c}, shown here." in page


def test_a_distribution_posted_to_a_folded_household_is_refused_at_the_form(
    point: Warehouse, client_as: As
) -> None:
    # The page was opened before the merge, or a phone kept it offline: the refusal is
    # at the form, where the phone's outbox reads a refusal (#distribution-form .error),
    # and the phone then reports it, as for any refusal.
    kept, folded = folded_pair()
    client = english(client_as("coordinator"))

    answer = client.post(f"/aid/field/households/{folded.pk}/", FORM)

    assert answer.status_code == 409
    page = answer.content.decode()
    form = page.split('id="distribution-form"')[1].split("</form>")[0]
    assert f'<p class="error" role="alert">{refused(kept)}</p>' in form
    assert not Distribution.objects.exists()
    report = {
        "key": KEY,
        "warehouse": "SUDZHA-1",
        "household": str(folded.pk),
        "qty_WATER-5L": "2",
        "handed_out_at": (timezone.now() - dt.timedelta(hours=1)).isoformat(),
        "reasons": refused(kept),
    }
    assert client.post("/aid/refusals/report/", report).status_code == 201
    assert DistributionRefusal.objects.get().household == folded


def test_the_household_page_shows_and_audits_no_merged_record(
    point: Warehouse, client_as: As
) -> None:
    # The same woman registered twice in one household, then merged: the merged record
    # stays in the household, as the same person as the survivor.
    household = family(("Галина", "Лисенко"), ("Halyna", "Lysenko"))
    survivor, duplicate = household.members.order_by("pk")
    person_merge(MergeRequest(survivor.pk, duplicate.pk, fields={}), by=None)

    page = client_as("coordinator").get(f"/aid/field/households/{household.pk}/")

    assert page.status_code == 200
    assert "Галина Лисенко" in page.content.decode()
    assert "Halyna" not in page.content.decode()
    assert last_audit(AuditAction.READ).person_ids == [survivor.pk]


# ---- the search page --------------------------------------------------------------


def test_the_search_finds_the_kept_household_under_the_name_merged_away(
    point: Warehouse, client_as: As
) -> None:
    # Registered under her maiden name, her married name, then her second married name.
    first = family(("Галина", "Лисенко"))
    then = family(("Галина", "Петренко"))
    kept = family(("Галина", "Коваль"))
    fold(then, first)
    fold(kept, then)
    assert not person_lookup(name="Лисенко").exists()  # merged records are left out

    page = client_as("coordinator").get("/aid/field/", {"q": "Галина Лисенко"}).content.decode()

    assert f"/aid/field/households/{kept.pk}/" in page
    assert f"/aid/field/households/{first.pk}/" not in page
    assert f"/aid/field/households/{then.pk}/" not in page
    listed = page.split('id="households"')[1]
    assert "Галина Коваль" in listed and "Лисенко" not in listed and "Петренко" not in listed
    assert last_audit(AuditAction.SEARCH).person_ids == [kept.members.get().pk]


def test_the_search_finds_the_kept_household_by_the_merged_records_phone(
    point: Warehouse, client_as: As
) -> None:
    kept = family(("Галина", "Лисенко"))
    other = family(("Halyna", "Lysenko"), phone="+380501234567")
    request = MergeRequest(
        survivor_id=kept.members.get().pk,
        merged_id=other.members.get().pk,
        fields={"phone": kept.members.get().pk},  # the survivor keeps no phone
        merge_households=True,
    )
    person_merge(request, by=None)
    assert Person.objects.get(pk=request.survivor_id).phone == ""

    page = client_as("coordinator").get("/aid/field/", {"q": "050 123 45 67"}).content.decode()

    assert f"/aid/field/households/{kept.pk}/" in page
    assert f"/aid/field/households/{other.pk}/" not in page


def test_the_search_lists_and_audits_no_merged_record(point: Warehouse, client_as: As) -> None:
    household = family(("Галина", "Лисенко"), ("Halyna", "Lysenko"))
    survivor, duplicate = household.members.order_by("pk")
    person_merge(MergeRequest(survivor.pk, duplicate.pk, fields={}), by=None)

    page = client_as("coordinator").get("/aid/field/", {"q": "Лисенко"}).content.decode()

    assert f"/aid/field/households/{household.pk}/" in page
    assert "Halyna" not in page
    assert last_audit(AuditAction.SEARCH).person_ids == [survivor.pk]


# ---- a refusal reported for a household folded since ------------------------------


def _refusal_of(household: Household, by: User) -> DistributionRefusal:
    return refusal_report(
        RefusalInput(
            key=KEY,
            warehouse="SUDZHA-1",
            household_id=household.pk,
            handed_out_at=timezone.now() - dt.timedelta(hours=3),
            reasons="Not recorded: the connection was lost.",
            lines=[LineInput("WATER-5L", 2)],
        ),
        by=by,
    ).refusal


def test_a_refusal_reported_for_a_folded_household_is_recorded_on_the_kept_one(
    point: Warehouse, user_in: Callable[[str], User]
) -> None:
    kept, folded = folded_pair(("Galina", "Lysenko"))  # before the phone reports it
    refusal = _refusal_of(folded, user_in("coordinator"))

    settled = refusal_settle(refusal, how="recorded", by=user_in("coordinator"))

    assert settled.distribution is not None
    assert settled.distribution.household_id == kept.pk


def test_a_distribution_to_the_kept_household_may_settle_a_folded_ones_refusal(
    point: Warehouse, user_in: Callable[[str], User]
) -> None:
    kept, folded = folded_pair(("Galina", "Lysenko"))  # before the phone reports it
    refusal = _refusal_of(folded, user_in("coordinator"))
    again = give(kept)

    assert list(refusal_settlers(refusal)) == [again]


def test_a_merged_record_is_no_recipient(point: Warehouse) -> None:
    kept = family(("Галина", "Лисенко"))
    other = family(("Galina", "Lysenko"))
    merged = other.members.get()
    person_merge(
        MergeRequest(
            survivor_id=kept.members.get().pk,
            merged_id=merged.pk,
            fields={},
            merge_households=False,  # the merged record stays in its household
        ),
        by=None,
    )

    with pytest.raises(InvalidInput) as refused:
        distribution_record(
            DistributionInput(
                warehouse="SUDZHA-1",
                household_id=other.pk,
                lines=[LineInput("WATER-5L", 2)],
                person_id=merged.pk,
            ),
            by=None,
        )

    assert refused.value.field == "person_id"
    assert not Distribution.objects.exists()
