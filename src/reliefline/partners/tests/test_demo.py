"""The demo's situation: 74 and 41 side by side, and the ICRC's agreement; rerunnable."""

import pytest
from django.contrib.auth.models import User

from reliefline.hotline.demo import demo_users_ensure
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
