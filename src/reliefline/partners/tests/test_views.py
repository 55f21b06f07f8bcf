"""The partner portal shows what the agreements in force allow, and nothing else."""

import datetime as dt
import re

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from conftest import SUDZHA
from reliefline.access.tests.factories import UserFactory
from reliefline.hotline.models import Case
from reliefline.hotline.services import NeedInput
from reliefline.hotline.tests.factories import open_case
from reliefline.partners.models import Organisation, Referral, SharingAgreement
from reliefline.partners.services import referral_create
from reliefline.partners.tests.factories import (
    AgreementFactory,
    MembershipFactory,
    OrganisationFactory,
)
from reliefline.places.models import Place


def _signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _agreement(icrc: Organisation, **overrides: object) -> SharingAgreement:
    return AgreementFactory(
        organisation=icrc, settlements=[Place.objects.get(pk=SUDZHA)], **overrides
    )


def test_portal_without_agreement_shows_aggregates_only(partner: User, insulin_case: Case) -> None:
    page = _signed_in(partner).get("/partners/").content.decode()

    assert "you see aggregates only" in page
    assert str(insulin_case.reference) not in page


def test_portal_shows_the_shared_case_without_names(
    partner: User, icrc: Organisation, insulin_case: Case
) -> None:
    _agreement(icrc, fields=["household_size"])

    page = _signed_in(partner).get("/partners/").content.decode()

    assert str(insulin_case.reference) in page
    assert "2 persons" in page
    assert "Верещук" not in page and "+7910" not in page


def test_portal_names_the_shared_case_settlement_rather_than_its_id(
    partner: User, icrc: Organisation, insulin_case: Case
) -> None:
    _agreement(icrc)

    page = _signed_in(partner).get("/partners/").content.decode()

    assert f"<td>{insulin_case.reference}</td><td>Sudzha</td>" in page
    assert SUDZHA not in page


def test_portal_names_need_types_in_the_readers_language(
    partner: User, icrc: Organisation, insulin_case: Case
) -> None:
    _agreement(icrc)
    client = _signed_in(partner)

    english = client.get("/partners/").content.decode()
    russian = client.get("/partners/", HTTP_ACCEPT_LANGUAGE="ru").content.decode()

    assert "<td>Medicine</td>" in english and "<td>medicine</td>" not in english
    assert "<td>Лекарства</td>" in russian


def test_portal_names_every_code_in_the_readers_language(
    partner: User, icrc: Organisation, gazetteer: None
) -> None:
    case = open_case(
        settlement_id=SUDZHA,
        needs=(NeedInput(type="medicine"),),
        vulnerabilities=("bedridden", "wheelchair"),
        language="ru",
    )
    agreement = _agreement(icrc, fields=["household_size", "vulnerabilities", "language"])
    referral_create(
        case, agreement=agreement, need_types=["medicine"], by=UserFactory(role="coordinator")
    )
    client = _signed_in(partner)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "uk"

    page = client.get("/partners/").content.decode()

    for label in (
        "Зведені дані, Звернення із зазначеними типами потреб (Ліки)",  # the agreement data
        "Розмір домогосподарства, Чинники вразливості, Мова",  # its fields
        "<span>Не встає з ліжка, Користується кріслом колісним</span><span>Російська</span>",
        "Ліки · Очікує",  # the referral
    ):
        assert label in page
    text = re.sub(r"<[^>]+>", " ", page)  # what the partner reads, not class names
    for code in ("bedridden", "wheelchair", "aggregates", "household_size", "pending"):
        assert code not in text


def test_portal_stops_showing_the_case_when_the_agreement_ends(
    partner: User, icrc: Organisation, insulin_case: Case
) -> None:
    _agreement(icrc, ends_at=timezone.now() - dt.timedelta(seconds=1))

    page = _signed_in(partner).get("/partners/").content.decode()

    assert str(insulin_case.reference) not in page


def test_partner_accepts_a_referral_in_the_portal(
    partner: User, icrc: Organisation, insulin_case: Case
) -> None:
    agreement = _agreement(icrc)
    referral = referral_create(
        insulin_case,
        agreement=agreement,
        need_types=["medicine"],
        by=UserFactory(role="coordinator"),
    )

    response = _signed_in(partner).post(f"/partners/referrals/{referral.pk}/accept/")

    assert response.status_code == 302
    assert Referral.objects.get().status == "accepted"


def test_another_organisation_cannot_answer(icrc: Organisation, insulin_case: Case) -> None:
    referral = referral_create(
        insulin_case,
        agreement=_agreement(icrc),
        need_types=["medicine"],
        by=UserFactory(role="coordinator"),
    )
    other = UserFactory(role="partner")
    MembershipFactory(user=other, organisation=OrganisationFactory(name="UNHCR"))

    response = _signed_in(other).post(f"/partners/referrals/{referral.pk}/decline/")

    assert response.status_code == 404
    assert Referral.objects.get().status == "pending"


@pytest.mark.parametrize("role", ["operator", "field"])
def test_roles_without_the_portal_get_403(role: str, db: None) -> None:
    assert _signed_in(UserFactory(role=role)).get("/partners/").status_code == 403
