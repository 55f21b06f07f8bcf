"""Second factor and login throttling, with the production settings switched on."""

import datetime as dt

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from reliefline.access.models import ApiToken
from reliefline.access.tests.factories import UserFactory, token_for

PASSWORD = "correct horse battery staple"


@pytest.fixture
def secure(settings):
    settings.REQUIRE_2FA = True
    settings.AXES_ENABLED = True
    return settings


def _login(client: Client, username: str, password: str = PASSWORD):
    return client.post("/accounts/login/", {"username": username, "password": password})


def _code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def test_operator_must_set_up_and_enter_a_code_before_the_queue(secure, db: None) -> None:
    user = UserFactory(role="operator")
    client = Client()
    assert _login(client, user.username).status_code == 302
    response = client.get("/hotline/")
    assert response.status_code == 302 and response["Location"].startswith("/access/2fa/")
    setup = client.get(response["Location"])
    assert "Enter this key" in setup.content.decode()
    device = TOTPDevice.objects.get(user=user)
    assert not device.confirmed
    done = client.post(response["Location"], {"token": _code(device)})
    assert done.status_code == 302 and done["Location"] == "/hotline/"
    assert client.get("/hotline/").status_code == 200
    device.refresh_from_db()
    assert device.confirmed


def test_a_wrong_code_is_refused(secure, db: None) -> None:
    user = UserFactory(role="dpo")
    client = Client()
    _login(client, user.username)
    client.get("/access/2fa/")
    response = client.post("/access/2fa/", {"token": "000000"})
    assert response.status_code == 422
    assert client.get("/access/audit/").status_code == 302


def test_session_api_needs_the_second_factor_but_bearer_tokens_do_not(
    secure, db: None, api_as
) -> None:
    user = UserFactory(role="operator")
    client = Client()
    _login(client, user.username)
    assert client.get("/api/v1/places?q=Sudzha").status_code == 401
    assert api_as("operator").get("/api/v1/places?q=Sudzha").status_code == 200


def test_partner_sees_no_personal_data_and_needs_no_second_factor(secure, db: None) -> None:
    user = UserFactory(role="partner")
    client = Client()
    _login(client, user.username)
    assert client.get("/hotline/dashboard/").status_code == 200


def test_repeated_wrong_passwords_lock_the_account(secure, db: None) -> None:
    user = UserFactory(role="operator")
    client = Client()
    for _attempt in range(secure.AXES_FAILURE_LIMIT - 1):
        assert _login(client, user.username, "wrong").status_code == 200
    assert _login(client, user.username, "wrong").status_code == 429  # the limit-th failure
    locked = _login(client, user.username)  # even the right password now
    assert locked.status_code == 429
    assert "locked" in locked.content.decode()


def test_pages_carry_a_strict_content_security_policy(db: None, client_as) -> None:
    policy = client_as("operator").get("/hotline/")["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy


def test_demo_banner_warns_when_two_factor_is_off(db: None, client_as) -> None:
    assert (
        "Two-factor authentication is switched off"
        in client_as("operator").get("/hotline/").content.decode()
    )


def test_admin_waits_for_the_second_factor(secure, db: None) -> None:
    user = UserFactory(role="admin")
    client = Client()
    _login(client, user.username)
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0].startswith("/access/2fa/")


def test_token_use_is_recorded_at_most_once_a_minute(db: None) -> None:
    client = Client(headers={"Authorization": f"Bearer {token_for(UserFactory(role='operator'))}"})
    client.get("/api/v1/places?q=Sudzha")
    first = ApiToken.objects.get().last_used_at
    client.get("/api/v1/places?q=Sudzha")
    assert first is not None and ApiToken.objects.get().last_used_at == first


def test_an_htmx_request_after_the_session_ended_loads_the_sign_in_page_whole(
    db: None,
) -> None:
    """Not the sign-in page swapped into the case page: a whole page, then back."""
    response = Client().post(
        "/hotline/cases/RL-000001/notes/",
        {"text": "Перезвонить"},
        headers={
            "HX-Request": "true",
            "HX-Current-URL": "http://testserver/hotline/cases/RL-000001/",
        },
    )

    assert response.status_code == 200
    assert response["HX-Redirect"] == "/accounts/login/?next=%2Fhotline%2Fcases%2FRL-000001%2F"
    assert "Location" not in response


def test_an_htmx_request_before_the_second_factor_loads_its_page_whole(secure, db: None) -> None:
    client = Client()
    _login(client, UserFactory(role="operator").username)

    response = client.get(
        "/hotline/",
        headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/hotline/?band=high"},
    )

    assert response["HX-Redirect"] == "/access/2fa/?next=%2Fhotline%2F%3Fband%3Dhigh"


@pytest.mark.parametrize(
    ("current", "back"),
    [
        ("//evil.example/x", "%2Fx"),  # only the path is kept
        ("http://testserver//evil.example/", "%2F"),  # a path that would leave the site
        ("", "%2F"),
    ],
)
def test_an_htmx_redirect_never_leads_off_the_site(db: None, current: str, back: str) -> None:
    response = Client().get("/hotline/", headers={"HX-Request": "true", "HX-Current-URL": current})
    assert response["HX-Redirect"] == f"/accounts/login/?next={back}"


def test_a_page_request_after_the_session_ended_is_still_redirected(db: None) -> None:
    response = Client().get("/hotline/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/hotline/"


def test_a_session_ends_one_shift_after_signing_in_whatever_saves_it_later(
    secure, db: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The second factor, entered hours later, must not give the session more time."""
    user = UserFactory(role="operator")
    client = Client()
    signed_in = timezone.now()
    _login(client, user.username)
    shift_end = Session.objects.get().expire_date
    assert abs(shift_end - signed_in - dt.timedelta(hours=12)) < dt.timedelta(minutes=1)

    later = signed_in + dt.timedelta(hours=3)
    monkeypatch.setattr(timezone, "now", lambda: later)
    setup = client.get("/hotline/")["Location"]
    client.get(setup)
    device = TOTPDevice.objects.get(user=user)
    assert client.post(setup, {"token": _code(device)}).status_code == 302

    session = Session.objects.get()
    assert session.get_decoded().get("otp_device_id")  # saved again, three hours on
    assert session.expire_date == shift_end


def test_every_page_says_when_the_session_ends(db: None) -> None:
    client = Client()
    client.force_login(UserFactory(role="operator"))
    page = client.get("/hotline/").content.decode()
    ends = Session.objects.get().expire_date
    assert f'data-session-ends="{timezone.localtime(ends).isoformat()}"' in page
    assert 'class="banner warning session-ending"' in page
    signed_out = Client().get("/accounts/login/").content.decode()
    assert "data-session-ends" not in signed_out and "session-ending" not in signed_out
