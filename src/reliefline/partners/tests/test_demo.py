"""The demo's situation: 74 and 41 side by side, the ICRC's agreement, and the counts a
partner reads in story 6; rerunnable."""

import csv
import io

import pytest
from django.contrib.auth.models import User
from django.test import Client

from reliefline.access.tests.factories import token_for
from reliefline.aid.demo import demo_load as aid_demo_load
from reliefline.hotline.demo import SUDZHA, SURVEY, demo_users_ensure
from reliefline.hotline.demo import demo_load as hotline_demo_load
from reliefline.hotline.services import case_reprioritise_open
from reliefline.partners.demo import ISW, PARTY, demo_load
from reliefline.partners.selectors import access_for
from reliefline.places.models import Claim
from reliefline.places.selectors import claims_summary


@pytest.mark.usefixtures("gazetteer")
def test_demo_puts_74_beside_41_and_shares_with_the_icrc() -> None:
    (partner,) = [u for u in demo_users_ensure() if u.role == "partner"]

    first = demo_load()
    again = demo_load()

    assert (first.claims, first.agreement) == (5, True)
    assert (again.claims, again.agreement) == (0, False)
    summary = {row.source.name: row for row in claims_summary(attribute="control").sources}
    stated = {v.value: v.stated_count for v in summary[PARTY].values}
    assert stated == {"ukrainian_forces": 74}
    assert {v.value: v.stated_count for v in summary[ISW].values}["ukrainian_forces"] == 41
    access = access_for(User.objects.get(username=partner.username))
    assert [str(o) for o in access.organisations] == ["ICRC"]
    assert access.for_category("cases") and access.for_category("manifests")
    assert Claim.objects.count() == 5


@pytest.mark.usefixtures("gazetteer")
def test_the_demo_partner_reads_sudzhas_water_and_food_counts_but_no_names(settings) -> None:
    # Story 6: the settlement situation has counts to read, not only hidden cells.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    (partner,) = [u for u in demo_users_ensure() if u.role == "partner"]
    hotline_demo_load()
    aid_demo_load()
    demo_load()
    case_reprioritise_open()
    client = Client(
        headers={
            "Authorization": f"Bearer {token_for(User.objects.get(username=partner.username))}"
        }
    )

    response = client.get("/api/v1/exports/needs.csv")

    body = b"".join(response.streaming_content).decode()  # type: ignore[attr-defined]
    tags, *rows = list(csv.reader(io.StringIO(body)))[1:]
    sudzha = {
        row[tags.index("#indicator+need+code")]: row[tags.index("#inneed+hh")]
        for row in rows
        if row[tags.index("#loc+code")] == SUDZHA
    }
    assert sudzha["water"] == sudzha["food"] == str(len(SURVEY))
    assert sudzha["medicine"] == ""
    for demo in SURVEY:
        assert demo.caller.family_name not in body
        assert demo.caller.phone[-7:] not in body
