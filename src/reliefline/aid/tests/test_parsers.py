import base64

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reliefline.aid.selectors import _cursor_id
from reliefline.aid.services.catalog import _code
from reliefline.aid.services.common import quantity_check
from reliefline.errors import InvalidInput


@given(st.text(max_size=60))
def test_cursor_parser_never_crashes_on_junk(raw: str) -> None:
    try:
        value = _cursor_id(raw)
    except InvalidInput as error:
        assert error.field == "cursor"
    else:
        assert value >= 1


@given(st.integers(min_value=1, max_value=2**62))
def test_cursor_round_trips(pk: int) -> None:
    assert _cursor_id(base64.urlsafe_b64encode(str(pk).encode()).decode()) == pk


@given(st.text(max_size=60))
def test_code_check_is_idempotent_or_refuses(raw: str) -> None:
    try:
        once = _code(raw)
    except InvalidInput as error:
        assert error.field == "code"
    else:
        assert _code(once) == once


@pytest.mark.parametrize("value", [0, -1, True, 10**8])
def test_quantity_check_refuses(value: int) -> None:
    with pytest.raises(InvalidInput, match="whole number"):
        quantity_check(value)
