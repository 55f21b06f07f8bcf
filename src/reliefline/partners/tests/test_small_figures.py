"""3W people figures below RELIEFLINE_SMALL_CELL: hidden from other organisations, as the
needs they answer are; exact for the organisation that typed them and for the staff.

Family tracing that reached two people in Plekhovo singles them out as much as a needs
cell of two households does.
"""

import html
import io
import json
import re
from collections.abc import Callable

import hxl  # type: ignore[import-untyped]
import hxl.input  # type: ignore[import-untyped]
import pytest
from django.contrib.auth.models import User
from django.test import Client
from openpyxl import load_workbook  # type: ignore[import-untyped]

from reliefline.access.tests.factories import UserFactory, token_for
from reliefline.api import api
from reliefline.partners.models import Activity, Organisation, Sector
from reliefline.partners.tests.factories import (
    ActivityFactory,
    MembershipFactory,
    OrganisationFactory,
)
from reliefline.places.models import Place

pytestmark = pytest.mark.usefixtures("gazetteer")

PLEKHOVO = "geonames-postal:RU-307823"
Reader = Callable[[str], User]


@pytest.fixture
def tracers(db: None) -> Organisation:
    return OrganisationFactory(name="Family Tracing Network", acronym="FTN")


@pytest.fixture
def tracing(tracers: Organisation) -> Activity:
    """Family tracing in Plekhovo: 3 people targeted, 2 reached."""
    return ActivityFactory(
        organisation=tracers,
        sector=Sector.PROTECTION,
        description="Family tracing",
        settlement=Place.objects.get(pk=PLEKHOVO),
        targeted=3,
        reached=2,
    )


@pytest.fixture
def reader(partner: User, tracers: Organisation) -> Reader:
    """Return a user who reads the 3W: `other` (a partner of another organisation),
    `reporter` (a partner of the organisation that reported it) or `coordinator`."""

    def make(who: str) -> User:
        if who == "other":
            return partner
        if who == "reporter":
            user = UserFactory(role="partner")
            MembershipFactory(user=user, organisation=tracers)
            return user
        return UserFactory(role=who)

    return make


def _signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _api(user: User) -> Client:
    return Client(headers={"Authorization": f"Bearer {token_for(user)}"})


def _csv_figures(user: User, path: str = "/api/v1/exports/3w.csv") -> tuple[str | None, str | None]:
    response = _api(user).get(path)
    assert response.status_code == 200
    data = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    source = hxl.input.make_input(io.BytesIO(data), hxl.input.InputOptions(allow_local=True))
    (row,) = [r for r in hxl.data(source) if r.get("#loc+code") == PLEKHOVO]
    return row.get("#targeted"), row.get("#reached")


def _page_figures(user: User, path: str, activity: Activity) -> tuple[str, str]:
    response = _signed_in(user).get(path)
    assert response.status_code == 200
    page = response.content.decode()
    row = re.search(rf'<tr data-activity="{activity.pk}">.*?</tr>', page, re.S)
    assert row is not None, page
    targeted, reached = (
        re.search(rf'<td class="num" data-figure="{name}">([^<]*)</td>', row.group(0))
        for name in ("targeted", "reached")
    )
    assert targeted is not None and reached is not None
    return html.unescape(targeted.group(1)), html.unescape(reached.group(1))


def _api_figures(user: User, activity: Activity) -> tuple[int | None, int | None]:
    response = _api(user).get("/api/v1/partners/activities")
    assert response.status_code == 200
    (line,) = [a for a in response.json() if a["id"] == activity.pk]
    return line["targeted"], line["reached"]


# ---- another organisation's partner: hidden ---------------------------------------------


def test_3w_csv_hides_small_figures_from_another_organisation(
    reader: Reader, tracing: Activity
) -> None:
    # libhxl reads an empty cell as None.
    assert _csv_figures(reader("other")) == (None, None)


def test_3w_csv_bands_small_figures_when_set(
    reader: Reader, tracing: Activity, settings: object
) -> None:
    settings.RELIEFLINE_SMALL_CELL_MODE = "band"  # type: ignore[attr-defined]

    assert _csv_figures(reader("other")) == ("<5", "<5")


def test_3w_xlsx_hides_small_figures_from_another_organisation(
    reader: Reader, tracing: Activity
) -> None:
    response = _api(reader("other")).get("/api/v1/exports/3w.xlsx")

    data = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    sheet = load_workbook(io.BytesIO(data), read_only=True)["3w"]
    rows = [r for r in sheet.iter_rows(min_row=3, values_only=True) if PLEKHOVO in r]
    # The XLSX writes a suppressed cell as an empty one.
    assert [r[-2:] for r in rows] == [(None, None)]


@pytest.mark.parametrize("path", ["/partners/activities/", "/partners/"])
def test_3w_page_hides_small_figures_from_another_organisation(
    reader: Reader, tracing: Activity, path: str
) -> None:
    assert _page_figures(reader("other"), path, tracing) == ("—", "—")


def test_3w_page_bands_small_figures_when_set(
    reader: Reader, tracing: Activity, settings: object
) -> None:
    settings.RELIEFLINE_SMALL_CELL_MODE = "band"  # type: ignore[attr-defined]

    assert _page_figures(reader("other"), "/partners/activities/", tracing) == ("<5", "<5")


def test_3w_api_gives_null_for_small_figures_to_another_organisation(
    reader: Reader, tracing: Activity
) -> None:
    assert _api_figures(reader("other"), tracing) == (None, None)


def test_3w_api_gives_null_in_band_mode_too(
    reader: Reader, tracing: Activity, settings: object
) -> None:
    settings.RELIEFLINE_SMALL_CELL_MODE = "band"  # type: ignore[attr-defined]

    assert _api_figures(reader("other"), tracing) == (None, None)


def test_zero_and_large_figures_stay_shown_to_another_organisation(
    reader: Reader, tracers: Organisation
) -> None:
    none_yet = ActivityFactory(organisation=tracers, targeted=1200, reached=0)
    other = reader("other")

    assert _api_figures(other, none_yet) == (1200, 0)
    assert _page_figures(other, "/partners/activities/", none_yet) == ("1200", "0")


# ---- the reporting organisation and the staff: exact ---------------------------------


@pytest.mark.parametrize("who", ["reporter", "coordinator"])
def test_3w_csv_is_exact_for_the_reporter_and_the_staff(
    reader: Reader, tracing: Activity, who: str
) -> None:
    assert _csv_figures(reader(who)) == ("3", "2")
    assert _csv_figures(reader(who), "/api/v1/exports/3w.csv?organisation=FTN") == ("3", "2")


@pytest.mark.parametrize("who", ["reporter", "coordinator"])
@pytest.mark.parametrize("path", ["/partners/activities/", "/partners/"])
def test_3w_page_is_exact_for_the_reporter_and_the_staff(
    reader: Reader, tracing: Activity, who: str, path: str
) -> None:
    assert _page_figures(reader(who), path, tracing) == ("3", "2")


@pytest.mark.parametrize("who", ["reporter", "coordinator"])
def test_3w_api_is_exact_for_the_reporter_and_the_staff(
    reader: Reader, tracing: Activity, who: str
) -> None:
    assert _api_figures(reader(who), tracing) == (3, 2)


def test_the_reporter_reads_its_new_line_exactly(reader: Reader, tracers: Organisation) -> None:
    body = {
        "organisation": tracers.pk,
        "sector": "protection",
        "description": "Family tracing",
        "settlement": PLEKHOVO,
        "starts_on": "2024-08-15",
        "ends_on": "2024-09-15",
        "targeted": 3,
        "reached": 2,
    }

    response = _api(reader("reporter")).post(
        "/api/v1/partners/activities", json.dumps(body), content_type="application/json"
    )

    assert response.status_code == 201
    assert (response.json()["targeted"], response.json()["reached"]) == (3, 2)


# ---- what the reporter and API clients are told ------------------------------------------


def test_the_activity_form_tells_the_reporter_small_figures_are_hidden(
    reader: Reader, tracing: Activity
) -> None:
    response = _signed_in(reader("reporter")).get("/partners/activities/new/")

    hint = re.search(
        r'<p class="hint" id="id_reached_helptext">([^<]*)</p>', response.content.decode()
    )
    assert hint is not None
    assert "below 5 are shown only to the organisation that reported them" in hint.group(1)


def test_openapi_says_what_a_null_figure_means() -> None:
    schema = api.get_openapi_schema()["components"]["schemas"]["ActivityOut"]

    for name in ("targeted", "reached"):
        figure = schema["properties"][name]
        assert {"type": "null"} in figure["anyOf"]
        assert "null: fewer than RELIEFLINE_SMALL_CELL people" in figure["description"]
