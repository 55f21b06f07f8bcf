"""Any JSON a sender could post gets an answer, never a server error."""

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client, override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reliefline.channels.models import KoboMapping
from reliefline.channels.tests import senders
from reliefline.channels.webhooks import _urn, kobo_household_size
from reliefline.errors import InvalidInput

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=12,
)
# Real bodies with one field replaced by junk reach deeper than junk alone.
FIELDS = {
    "telegram": (senders.TELEGRAM_UPDATE, ["update_id", "message"]),
    "rapidpro": (senders.RAPIDPRO_BODY, ["run", "path", "input", "contact"]),
    "kobo": (
        senders.KOBO_SUBMISSION,
        ["_uuid", "household/size", "household/phone", "needs/details", "needs/needs_list"],
    ),
}
POST: dict[str, Callable[[Client, Any], Any]] = {
    "telegram": senders.telegram_post,
    "rapidpro": senders.rapidpro_post,
    "kobo": senders.kobo_post,
}
SECRETS = {
    "RELIEFLINE_TELEGRAM_SECRET": senders.TELEGRAM_SECRET,
    "RELIEFLINE_RAPIDPRO_SECRET": senders.RAPIDPRO_SECRET,
    "RELIEFLINE_KOBO_SECRET": senders.KOBO_SECRET,
}


@pytest.mark.parametrize("sender", sorted(POST))
@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_junk_json_never_gives_a_server_error(db: None, sender: str, data: Any) -> None:
    KoboMapping.objects.get_or_create(
        form_id=senders.KOBO_FORM,
        defaults={"phone": "household/phone", "household_size": "household/size",
                  "message": "needs/details", "needs": "needs/needs_list"},
    )  # fmt: skip
    base, fields = FIELDS[sender]
    body = dict(base)
    body[data.draw(st.sampled_from(fields))] = data.draw(JSON)
    body = data.draw(st.one_of(st.just(body), JSON))
    with override_settings(**SECRETS):
        response = POST[sender](Client(), body)
    assert response.status_code in (200, 201, 400, 422), response.content


@given(st.text(max_size=60))
def test_urn_parsing_refuses_or_returns_a_route(urn: str) -> None:
    try:
        medium, _address, phone = _urn(urn)
    except InvalidInput as error:
        assert error.field == "contact.urn"
    else:
        assert medium in ("", "sms", "whatsapp", "telegram")
        assert (not phone) or phone.startswith("+")


@given(st.text())
def test_kobo_household_size_is_a_size_a_case_takes_or_a_refusal(answer: str) -> None:
    try:
        size = kobo_household_size(answer, field="household/size")
    except InvalidInput as error:
        assert (error.field, error.status) == ("household/size", 422)
    else:
        assert size is None if not answer else size is not None and 1 <= size <= 50


@given(st.integers(min_value=1, max_value=50), st.sampled_from(["", "0", "00"]))
def test_kobo_household_size_reads_back_the_number_written(size: int, zeros: str) -> None:
    assert kobo_household_size(f"{zeros}{size}", field="household/size") == size
