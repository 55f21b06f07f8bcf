"""A partner user of an organisation, and cases in Sudzha to share."""

from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.test import Client

from conftest import SUDZHA
from reliefline.access.tests.factories import UserFactory, token_for
from reliefline.hotline.models import Case
from reliefline.hotline.services import NeedInput
from reliefline.hotline.tests.factories import open_case
from reliefline.partners.models import Organisation
from reliefline.partners.tests.factories import MembershipFactory, OrganisationFactory


@pytest.fixture
def icrc(db: None) -> Organisation:
    return OrganisationFactory(name="International Committee of the Red Cross", acronym="ICRC")


@pytest.fixture
def partner(icrc: Organisation) -> User:
    user = UserFactory(role="partner")
    MembershipFactory(user=user, organisation=icrc)
    return user


@pytest.fixture
def partner_api(partner: User) -> Client:
    return Client(headers={"Authorization": f"Bearer {token_for(partner)}"})


@pytest.fixture
def insulin_case(gazetteer: None) -> Case:
    return open_case(
        settlement_id=SUDZHA,
        needs=(NeedInput(type="medicine", item="insulin"),),
        message="Mother, 82, needs insulin.",
        household_size=2,
    )


MakeCase = Callable[..., Case]
