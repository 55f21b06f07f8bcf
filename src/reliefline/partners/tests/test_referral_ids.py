"""A referral id that is no referral's is a 404 JSON, whatever the id or the body."""

import pytest
from django.test import Client

from reliefline.partners.models import Referral

ANSWERS = ["accept", "decline"]
NOT_IDS = ["abc", "²", "１２", "1abc"]


@pytest.mark.parametrize("answer", ANSWERS)
@pytest.mark.parametrize("referral_id", NOT_IDS)
@pytest.mark.parametrize("body", ["", "{}", "[]"])
def test_an_id_that_is_no_number_is_404_before_the_body_is_read(
    partner_api: Client, answer: str, referral_id: str, body: str
) -> None:
    partner_api.raise_request_exception = False

    response = partner_api.post(
        f"/api/v1/partners/referrals/{referral_id}/{answer}", body, "application/json"
    )

    assert response.status_code == 404, response.content[:300]
    assert response.json()["code"] == "not_found"


@pytest.mark.parametrize("referral_id", ["999", "9" * 30, "9" * 5000])
def test_a_number_that_is_no_referral_is_404(partner_api: Client, referral_id: str) -> None:
    partner_api.raise_request_exception = False

    response = partner_api.post(
        f"/api/v1/partners/referrals/{referral_id}/accept", "{}", "application/json"
    )

    assert response.status_code == 404, response.content[:300]
    assert response.json()["code"] == "not_found"
    assert not Referral.objects.exists()


@pytest.mark.parametrize("referral_id", ["²", "9" * 5000])
def test_the_portal_answers_an_id_that_is_no_referral_with_404(
    partner: object, referral_id: str
) -> None:
    client = Client(raise_request_exception=False)
    client.force_login(partner)  # type: ignore[arg-type]

    response = client.post(f"/partners/referrals/{referral_id}/accept/")

    assert response.status_code == 404
