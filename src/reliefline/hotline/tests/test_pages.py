"""The operator console's pages through Django's test client: access, forms, partials."""

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import formats, timezone

from conftest import SUDZHA
from reliefline.hotline.models import Case, CaseEvent, Status
from reliefline.hotline.services import NeedInput, callback_after
from reliefline.hotline.tests.factories import open_case

PAGES = {
    "queue": reverse("hotline:queue"),
    "new call": reverse("hotline:new_case"),
    "dashboard": reverse("hotline:dashboard"),
    "autocomplete": reverse("places:autocomplete") + "?q=Sudzha",
}


@pytest.mark.parametrize(
    ("page", "role"),
    [
        ("queue", "operator"),
        ("new call", "operator"),
        ("dashboard", "coordinator"),
        ("dashboard", "partner"),
        ("autocomplete", "operator"),
    ],
)
def test_role_sees_page(client_as, gazetteer, page, role):
    assert client_as(role).get(PAGES[page]).status_code == 200


@pytest.mark.parametrize(
    ("page", "role"),
    [("queue", "partner"), ("new call", "partner"), ("dashboard", "operator")],
)
def test_too_narrow_role_gets_403(client_as, page, role):
    response = client_as(role).get(PAGES[page])
    assert response.status_code == 403
    assert b"Not allowed" in response.content


@pytest.mark.parametrize("page", sorted(PAGES))
def test_anonymous_is_sent_to_login(db, page):
    response = Client().get(PAGES[page])
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login") + "?next=")


def test_case_page_for_operator(client_as):
    case = open_case(message="Нужен инсулин")
    response = client_as("operator").get(reverse("hotline:case", args=[case.reference]))
    assert response.status_code == 200
    assert "Нужен инсулин" in response.content.decode()


def test_case_page_of_unknown_reference_is_404(client_as):
    response = client_as("operator").get(reverse("hotline:case", args=["RL-999999"]))
    assert response.status_code == 404


def test_home_sends_partner_to_dashboard(client_as):
    response = client_as("partner").get(reverse("home"))
    assert response["Location"] == reverse("hotline:dashboard")


def test_home_sends_operator_to_queue(client_as):
    response = client_as("operator").get(reverse("home"))
    assert response["Location"] == reverse("hotline:queue")


def test_new_call_form_opens_case_and_redirects_to_it(client_as, gazetteer):
    response = client_as("operator").post(
        reverse("hotline:new_case"),
        {
            "phone": "+7 910 555-23-41",
            "given_name": "Наталья",
            "family_name": "Кузнецова",
            "channel": "sms",
            "language": "ru",
            "settlement": SUDZHA,
            "household_size": "2",
            "needs": ["medicine", "evacuation"],
            "item_medicine": "инсулин",
            "quantity_evacuation": "2",
            "vulnerabilities": ["elderly_75_plus", "wheelchair"],
            "message": "Маме 82 года, нужен инсулин",
        },
    )
    case = Case.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("hotline:case", args=[case.reference])
    assert case.settlement_id == SUDZHA
    assert case.band == "critical"
    assert {"code": "critical:insulin", "points": 40} in case.priority_reasons
    assert sorted(case.needs.values_list("type", "item")) == [
        ("evacuation", ""),
        ("medicine", "инсулин"),
    ]


def test_new_call_with_bad_phone_shows_error_at_field_and_keeps_input(client_as):
    response = client_as("operator").post(
        reverse("hotline:new_case"),
        {"phone": "12", "given_name": "Наталья", "channel": "sms", "language": "ru"},
    )
    html = response.content.decode()
    assert response.status_code == 422
    assert Case.objects.count() == 0
    assert 'value="Наталья"' in html
    assert html.index('class="error"') > html.index('id="id_phone"')


def test_new_call_with_existing_person_reuses_them(client_as):
    earlier = open_case()
    assert earlier.caller is not None
    client_as("operator").post(
        reverse("hotline:new_case"),
        {"person_id": str(earlier.caller.pk), "channel": "phone", "language": "ru"},
    )
    latest = Case.objects.exclude(pk=earlier.pk).get()
    assert latest.caller_id == earlier.caller.pk


def test_caller_lookup_lists_earlier_case_of_phone(client_as):
    earlier = open_case(phone="+79105552341")
    response = client_as("operator").get(
        reverse("hotline:caller_lookup"), {"phone": "+7 910 555 23 41"}
    )
    assert earlier.reference in response.content.decode()
    assert f'value="{earlier.caller_id}"' in response.content.decode()


def test_illegal_transition_shows_message_and_changes_nothing(client_as):
    case = open_case()
    events = CaseEvent.objects.filter(case=case).count()
    response = client_as("operator").post(
        reverse("hotline:case_transition", args=[case.reference]), {"to": Status.RESOLVED}
    )
    case.refresh_from_db()
    assert response.status_code == 409
    assert f"Case {case.reference} cannot go from New to Resolved." in response.content.decode()
    assert case.status == Status.NEW
    assert CaseEvent.objects.filter(case=case).count() == events


def test_legal_transition_redirects_back_to_case(client_as):
    case = open_case()
    response = client_as("operator").post(
        reverse("hotline:case_transition", args=[case.reference]), {"to": Status.TRIAGED}
    )
    case.refresh_from_db()
    assert response["Location"] == reverse("hotline:case", args=[case.reference])
    assert case.status == Status.TRIAGED


def test_case_page_shows_only_legal_transition_buttons(client_as):
    case = open_case()
    html = client_as("operator").get(reverse("hotline:case", args=[case.reference])).content
    assert b'data-to="triaged"' in html
    assert b'data-to="resolved"' not in html


def test_field_team_cannot_change_status(client_as):
    case = open_case()
    response = client_as("field").post(
        reverse("hotline:case_transition", args=[case.reference]), {"to": Status.TRIAGED}
    )
    assert response.status_code == 403


def test_operator_cannot_assign(client_as, user_in):
    case = open_case()
    colleague = user_in("operator")
    response = client_as("operator").post(
        reverse("hotline:case_assign", args=[case.reference]), {"to": colleague.username}
    )
    assert response.status_code == 403


def test_coordinator_assigns_case(client_as, user_in):
    case = open_case()
    colleague = user_in("operator")
    client_as("coordinator").post(
        reverse("hotline:case_assign", args=[case.reference]), {"to": colleague.username}
    )
    case.refresh_from_db()
    assert case.assignee == colleague
    assert case.status == Status.ASSIGNED


def test_call_attempt_over_htmx_returns_activity_partial(client_as):
    case = open_case()
    response = client_as("operator").post(
        reverse("hotline:case_call", args=[case.reference]),
        {"outcome": "no_answer", "note": "перезвонить"},
        headers={"HX-Request": "true"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<section id="case-activity"')
    assert 'data-kind="call"' in html
    assert "<html" not in html


def test_callback_in_the_past_shows_error(client_as):
    case = open_case()
    response = client_as("operator").post(
        reverse("hotline:case_callback", args=[case.reference]), {"at": "2001-01-01T10:00"}
    )
    assert response.status_code == 422
    assert "A callback must be in the future." in response.content.decode()


def test_the_queue_shows_and_filters_the_callbacks_due(client_as):
    now = timezone.now()
    due = open_case(phone="+79100000001")
    later = open_case(phone="+79100000002")
    Case.objects.filter(pk=due.pk).update(callback_at=now - dt.timedelta(minutes=10))
    Case.objects.filter(pk=later.pk).update(callback_at=now + dt.timedelta(hours=2))
    operator = client_as("operator")

    everything = operator.get(reverse("hotline:queue")).content.decode()
    assert everything.count('data-callback="due"') == 1
    assert everything.count('data-callback="later"') == 1
    assert "Call back: due since" in everything
    # With its day: a callback missed yesterday must not read like one of today.
    since = timezone.localtime(now - dt.timedelta(minutes=10))
    assert f"Call back: due since {since:%a %H:%M}" in everything

    only_due = operator.get(reverse("hotline:queue"), {"callback_due": "on"}).content.decode()
    assert f'data-reference="{due.reference}"' in only_due
    assert f'data-reference="{later.reference}"' not in only_due
    board = client_as("coordinator").get(reverse("hotline:dashboard")).content.decode()
    assert '<span class="number" data-count="callbacks_due">1</span>' in board
    assert "?callback_due=on" in board
    partner = client_as("partner").get(reverse("hotline:dashboard")).content.decode()
    # One callback is a small count: a partner reads it suppressed (test_dashboard_small_cells).
    assert '<span class="number" data-count="callbacks_due">—</span>' in partner
    assert "?callback_due=on" not in partner  # the queue is not theirs to open


def test_html_in_message_is_escaped_on_case_page(client_as):
    case = open_case(message='<script>alert("x")</script>')
    html = client_as("operator").get(reverse("hotline:case", args=[case.reference])).content
    assert b'<script>alert("x")</script>' not in html
    assert b"&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html


def test_queue_over_htmx_returns_only_table_partial(client_as):
    open_case()
    response = client_as("operator").get(reverse("hotline:queue"), headers={"HX-Request": "true"})
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="queue-table"')
    assert "<html" not in html
    assert 'hx-trigger="every 15s"' in html


def test_queue_lists_highest_priority_first(client_as):
    low = open_case(needs=[NeedInput(type="information")], phone="+79100000001")
    high = open_case(needs=[NeedInput(type="medicine", item="инсулин")], phone="+79100000002")
    html = client_as("operator").get(reverse("hotline:queue")).content.decode()
    assert html.index(f'data-reference="{high.reference}"') < html.index(
        f'data-reference="{low.reference}"'
    )


def test_queue_filter_by_need_keeps_filter_in_refresh(client_as):
    water = open_case(needs=[NeedInput(type="water")], phone="+79100000001")
    food = open_case(needs=[NeedInput(type="food")], phone="+79100000002")
    html = (
        client_as("operator")
        .get(reverse("hotline:queue"), {"need": "food"}, headers={"HX-Request": "true"})
        .content.decode()
    )
    assert food.reference in html
    assert water.reference not in html
    assert 'hx-get="/hotline/?need=food"' in html


def test_queue_pages_with_next_link(client_as, settings):
    settings.QUEUE_PAGE_SIZE = 1
    first = open_case(needs=[NeedInput(type="medicine")], phone="+79100000001")
    second = open_case(needs=[NeedInput(type="water")], phone="+79100000002")
    client = client_as("operator")
    page_one = client.get(reverse("hotline:queue")).context
    assert [c.reference for c in page_one["cases"]] == [first.reference]
    page_two = client.get(page_one["next_url"]).context
    assert [c.reference for c in page_two["cases"]] == [second.reference]


def test_queue_marks_overdue_case(client_as):
    case = open_case()
    Case.objects.filter(pk=case.pk).update(due_at=case.created_at.replace(year=2001))
    html = client_as("operator").get(reverse("hotline:queue")).content.decode()
    assert f'<tr data-reference="{case.reference}" data-status="new" class="overdue">' in html


def test_dashboard_over_htmx_returns_counts_partial(client_as):
    open_case(needs=[NeedInput(type="water")])
    response = client_as("coordinator").get(
        reverse("hotline:dashboard"), headers={"HX-Request": "true"}
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="dashboard"')
    assert '<span class="number" data-count="open">1</span>' in html


def test_autocomplete_finds_sudzha_in_latin(client_as, gazetteer):
    html = (
        client_as("operator").get(reverse("places:autocomplete"), {"q": "Sudzha"}).content.decode()
    )
    assert f'data-place-id="{SUDZHA}"' in html


def test_pick_returns_picker_with_hidden_place_id(client_as, gazetteer):
    response = client_as("operator").get(reverse("places:pick"), {"id": SUDZHA})
    assert f'<input type="hidden" name="settlement" value="{SUDZHA}">' in response.content.decode()


def _lookup_queries(client: Client) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(
            reverse("hotline:caller_lookup"), {"given_name": "Ирина", "family_name": "Верещук"}
        )
    assert response.status_code == 200
    return len(captured.captured_queries)


def test_caller_lookup_queries_do_not_grow_with_the_candidates(client_as, gazetteer):
    operator = client_as("operator")
    open_case(phone="+79101230001", settlement_id=SUDZHA)
    one = _lookup_queries(operator)
    for n in range(2, 6):
        open_case(phone=f"+7910123000{n}", settlement_id=SUDZHA)

    assert _lookup_queries(operator) == one


@pytest.mark.parametrize(("after", "minutes"), [("30", 30), ("60", 60), ("180", 180)])
def test_a_callback_is_one_tap_for_the_usual_delays(client_as, after, minutes):
    """Counted on the server's clock: the operator's computer may have the wrong time."""
    case = open_case()
    before = timezone.now()
    response = client_as("operator").post(
        reverse("hotline:case_callback", args=[case.reference]),
        {"after": after, "at": "", "note": "после обеда"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    case.refresh_from_db()
    assert case.callback_at is not None
    expected = before + dt.timedelta(minutes=minutes)
    assert expected <= case.callback_at <= expected + dt.timedelta(seconds=30)
    event = case.events.get(kind="callback")
    assert (event.due_at, event.text) == (case.callback_at, "после обеда")


def test_the_morning_callback_is_the_next_nine_oclock_and_says_its_day(client_as):
    case = open_case()
    page = client_as("operator").get(reverse("hotline:case", args=[case.reference]))
    morning = callback_after("morning", now=timezone.now())
    label = formats.date_format(timezone.localtime(morning), "D H:i")
    assert f'name="after" value="morning">{label}</button>' in page.content.decode()

    client_as("operator").post(
        reverse("hotline:case_callback", args=[case.reference]), {"after": "morning"}
    )

    case.refresh_from_db()
    assert case.callback_at == morning


@pytest.mark.parametrize(
    ("local_now", "due"),
    [
        ("2026-11-27 23:30", "2026-11-28 09:00"),
        ("2026-11-28 00:30", "2026-11-28 09:00"),  # the night shift's "in the morning"
        ("2026-11-28 08:59", "2026-11-28 09:00"),
        ("2026-11-28 09:00", "2026-11-29 09:00"),
        ("2027-03-27 10:00", "2027-03-28 09:00"),  # over the change to summer time
    ],
)
def test_the_morning_is_the_next_nine_in_the_hotlines_time_zone(local_now, due):
    def local(text: str) -> dt.datetime:
        return timezone.make_aware(dt.datetime.strptime(text, "%Y-%m-%d %H:%M"))

    assert callback_after("morning", now=local(local_now)) == local(due)


def test_a_callback_typed_on_kyiv_time_shows_the_callers_hour_in_sudzha(client_as, gazetteer):
    """The operator types on the hotline's clock, and reads the caller's beside it."""
    case = open_case(settlement_id=SUDZHA)
    operator = client_as("operator")
    page = operator.get(reverse("hotline:case", args=[case.reference])).content.decode()
    assert "Call back at (Kyiv time)" in page
    winter = timezone.now().year + 1  # 15 January: Sudzha an hour ahead of Kyiv

    answer = operator.post(
        reverse("hotline:case_callback", args=[case.reference]),
        {"at": f"{winter}-01-15T14:00", "after": ""},
        headers={"HX-Request": "true"},
    )

    assert f"{winter}-01-15 14:00 (Kyiv time; 15:00 Moscow time)" in answer.content.decode()
    case.refresh_from_db()
    assert case.callback_at == dt.datetime(winter, 1, 15, 12, 0, tzinfo=dt.UTC)


def test_a_callback_without_a_time_or_a_delay_says_what_is_missing(client_as):
    case = open_case()
    response = client_as("operator").post(
        reverse("hotline:case_callback", args=[case.reference]),
        {"at": "", "note": "x"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 422
    assert "Give the time to call back, or choose one of the delays." in response.content.decode()
    case.refresh_from_db()
    assert case.callback_at is None
    assert not case.events.filter(kind="callback").exists()


def test_an_unknown_delay_is_refused_and_stores_nothing(client_as):
    case = open_case()
    response = client_as("operator").post(
        reverse("hotline:case_callback", args=[case.reference]),
        {"after": "-600"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 422
    case.refresh_from_db()
    assert case.callback_at is None
