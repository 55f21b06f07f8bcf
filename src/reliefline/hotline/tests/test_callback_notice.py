"""A caller told when the hotline calls back: in their language, on their clock."""

import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import SUDZHA
from reliefline.channels.models import Notice
from reliefline.errors import InvalidInput
from reliefline.hotline.services import CaseInput, case_open, case_schedule_callback
from reliefline.hotline.tests.factories import open_case

pytestmark = pytest.mark.usefixtures("gazetteer")


def _in_two_hours() -> dt.datetime:
    return (timezone.now() + dt.timedelta(hours=2)).replace(second=0, microsecond=0)


def test_the_caller_is_told_the_callback_on_their_settlements_clock(user_in) -> None:
    case = open_case(settlement_id=SUDZHA, language="ru")
    at = _in_two_hours()

    case_schedule_callback(case, at=at, by=user_in("operator"), notify=True)

    notice = Notice.objects.get(kind="callback_scheduled")
    moscow = at.astimezone(ZoneInfo("Europe/Moscow")).strftime("%d.%m.%Y %H:%M")
    assert notice.person_id == case.caller_id and notice.language == "ru"
    assert case.reference in notice.body
    # The time stands apart: "в 28.11.2026 09:00" is no Russian.
    assert f"Время звонка: {moscow} (по московскому времени)." in notice.body


def test_without_notify_nobody_is_told(user_in) -> None:
    case = open_case(settlement_id=SUDZHA)
    case_schedule_callback(case, at=_in_two_hours(), by=user_in("operator"))
    assert not Notice.objects.filter(kind="callback_scheduled").exists()


@pytest.mark.parametrize(("channel", "ticked"), [("sms", True), ("phone", False)])
def test_the_page_offers_to_tell_ticked_for_a_case_that_came_by_message(
    client_as, channel: str, ticked: bool
) -> None:
    """Who called may not want a message on a phone others may read: the operator asks."""
    case = open_case(channel=channel)
    html = client_as("operator").get(reverse("hotline:case", args=[case.reference])).content
    box = next(
        line for line in html.decode().splitlines() if 'name="tell"' in line and "<input" in line
    )
    assert ("checked" in box) is ticked


def test_a_callback_from_the_page_tells_the_caller_when_asked(client_as) -> None:
    case = open_case(settlement_id=SUDZHA, channel="phone")
    operator = client_as("operator")
    url = reverse("hotline:case_callback", args=[case.reference])

    operator.post(url, {"after": "60"})
    assert not Notice.objects.filter(kind="callback_scheduled").exists()
    operator.post(url, {"after": "180", "tell": "on"})

    notice = Notice.objects.get(kind="callback_scheduled")
    assert "(по московскому времени)" in notice.body


def test_the_api_tells_the_caller_when_asked(api_as) -> None:
    case = open_case(language="uk")  # no settlement: the hotline's clock, named
    response = api_as("operator").post(
        f"/api/v1/cases/{case.reference}/events",
        json.dumps({"kind": "callback", "due_at": _in_two_hours().isoformat(), "notify": True}),
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    notice = Notice.objects.get(kind="callback_scheduled")
    assert notice.language == "uk" and "(за київським часом)" in notice.body


def test_the_time_is_written_in_the_language_the_notice_goes_out_in(user_in) -> None:
    """The caller's latest case is in Ukrainian: the whole message is, clock included."""
    earlier = open_case(settlement_id=SUDZHA, language="ru")
    case_open(  # the same caller, the next day
        CaseInput(channel="phone", language="uk", person_id=earlier.caller_id), by=None
    )

    case_schedule_callback(earlier, at=_in_two_hours(), by=user_in("operator"), notify=True)

    notice = Notice.objects.get(kind="callback_scheduled")
    assert notice.language == "uk"
    assert "(за московським часом)" in notice.body


@pytest.mark.parametrize(
    "at",
    [
        dt.datetime(9999, 12, 31, 23, 59, 59, tzinfo=dt.UTC),  # past year 9999 on Moscow's clock
        dt.datetime(2099, 1, 1, 10, 0, tzinfo=dt.UTC),
    ],
    ids=["end of time", "a year typed wrong"],
)
def test_a_callback_more_than_a_year_ahead_is_refused_and_nobody_is_told(
    user_in, at: dt.datetime
) -> None:
    """Not a 500 when the caller's clock runs past year 9999, nor an SMS for 2099."""
    case = open_case(settlement_id=SUDZHA, language="ru")

    with pytest.raises(InvalidInput) as refused:
        case_schedule_callback(case, at=at, by=user_in("operator"), notify=True)

    assert refused.value.field == "due_at" and "366" in refused.value.message
    assert not Notice.objects.exists()
    case.refresh_from_db()
    assert case.callback_at is None


def test_a_callback_a_year_ahead_is_kept(user_in) -> None:
    at = timezone.now() + dt.timedelta(days=365)
    case = case_schedule_callback(open_case(), at=at, by=user_in("operator"))
    assert case.callback_at == at
