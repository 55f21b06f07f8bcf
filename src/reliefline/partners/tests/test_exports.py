"""/api/v1/exports: HXL CSV and XLSX every partner tool reads, and nobody singled out."""

import io
import json
from collections.abc import Callable

import hxl  # type: ignore[import-untyped]
import hxl.input  # type: ignore[import-untyped]
import pytest
from django.contrib.auth.models import User
from django.test import Client
from openpyxl import load_workbook  # type: ignore[import-untyped]

from conftest import SUDZHA
from reliefline.hotline.services import NeedInput
from reliefline.hotline.tests.factories import open_case
from reliefline.partners.models import Organisation
from reliefline.partners.tests.factories import ActivityFactory, AgreementFactory
from reliefline.places.models import Place
from reliefline.places.tests.factories import ClaimFactory, SourceFactory

ApiAs = Callable[[str], Client]
pytestmark = pytest.mark.usefixtures("gazetteer")
PLACE_TAGS = ["#adm1+name", "#adm2+name", "#loc+name", "#loc+code", "#geo+lat", "#geo+lon"]


def _body(response: object) -> bytes:
    return b"".join(response.streaming_content)  # type: ignore[attr-defined]


def _hxl(data: bytes) -> hxl.model.Dataset:
    source = hxl.input.make_input(io.BytesIO(data), hxl.input.InputOptions(allow_local=True))
    return hxl.data(source)


def _open_cases(n: int, *, need: str = "water", size: int = 2) -> None:
    for i in range(n):
        open_case(
            phone=f"+7910123{i:04d}",
            settlement_id=SUDZHA,
            needs=(NeedInput(type=need, note="Lives at Lenina 5"),),
            household_size=size,
            message="Secret words",
        )


def test_3w_csv_is_hxl_with_the_3w_tags(client_as: Callable[[str], Client]) -> None:
    ActivityFactory(settlement=Place.objects.get(pk=SUDZHA))

    response = client_as("partner").get("/api/v1/exports/3w.csv")

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="reliefline-3w-')
    data = _hxl(_body(response))
    assert data.display_tags == [
        "#org+name",
        "#org+acronym",
        "#sector",
        "#activity+description",
        *PLACE_TAGS,
        "#date+start",
        "#date+end",
        "#targeted+ind",
        "#reached+ind",
    ]
    (row,) = list(data)
    assert row.get("#loc+code") == SUDZHA
    assert row.get("#adm2+name") == "Суджанский район"
    assert (row.get("#targeted"), row.get("#reached")) == ("1200", "300")


def test_needs_csv_counts_households_and_people(api_as: ApiAs) -> None:
    _open_cases(6, size=2)

    rows = list(_hxl(_body(api_as("partner").get("/api/v1/exports/needs.csv"))))

    (row,) = rows
    assert row.get("#loc+code") == SUDZHA
    assert row.get("#indicator+need+code") == "water"
    assert row.get("#sector") == "wash"
    assert (row.get("#inneed+hh"), row.get("#inneed+ind")) == ("6", "12")


def test_needs_csv_suppresses_small_cells(api_as: ApiAs) -> None:
    _open_cases(2)

    (row,) = list(_hxl(_body(api_as("partner").get("/api/v1/exports/needs.csv"))))

    # libhxl reads an empty cell as None.
    assert (row.get("#inneed+hh"), row.get("#inneed+ind")) == (None, None)


def test_needs_csv_bands_small_cells_when_set(api_as: ApiAs, settings: object) -> None:
    settings.RELIEFLINE_SMALL_CELL_MODE = "band"  # type: ignore[attr-defined]
    _open_cases(2)

    (row,) = list(_hxl(_body(api_as("partner").get("/api/v1/exports/needs.csv"))))

    assert (row.get("#inneed+hh"), row.get("#inneed+ind")) == ("<5", "<5")


def test_no_export_holds_names_phones_or_notes(
    partner: User, partner_api: Client, icrc: Organisation
) -> None:
    _open_cases(6)
    ClaimFactory(settlements=[Place.objects.get(pk=SUDZHA)], note="Neighbour Ivanova said so")
    # Even an agreement granting names does not put them into aggregate exports.
    AgreementFactory(organisation=icrc, fields=["name", "phone"])

    for path in ("needs.csv", "claims.csv", "3w.csv", "needs.xlsx", "claims.xlsx"):
        body = _body(partner_api.get(f"/api/v1/exports/{path}"))
        for secret in ("Верещук", "79101", "Lenina", "Secret", "Ivanova"):
            assert secret.encode() not in body, (path, secret)


def test_claims_csv_is_hxl_and_shows_notes_only_when_granted(
    partner_api: Client, icrc: Organisation, api_as: ApiAs
) -> None:
    isw = SourceFactory(name="Institute for the Study of War")
    ClaimFactory(source=isw, settlements=[Place.objects.get(pk=SUDZHA)], note="Map of 13 Aug")
    ClaimFactory(settlements=[], stated_count=74)

    partner = _hxl(_body(partner_api.get("/api/v1/exports/claims.csv")))
    AgreementFactory(organisation=icrc, fields=["note"])
    granted = _hxl(_body(partner_api.get("/api/v1/exports/claims.csv")))

    assert "#description" not in partner.display_tags
    assert granted.display_tags[-1] == "#description"
    assert set(PLACE_TAGS) <= set(partner.display_tags)
    partner_rows, granted_rows = list(partner), list(granted)
    rows = {r.get("#meta+source"): r for r in partner_rows}
    assert rows["Institute for the Study of War"].get("#loc+code") == SUDZHA
    assert rows["Institute for the Study of War"].get("#status+code") == "ukrainian_forces"
    assert [r.get("#indicator+num+stated") for r in partner_rows if not r.get("#loc+code")] == [
        "74"
    ]
    assert [r.get("#description") for r in granted_rows if r.get("#loc+code")] == ["Map of 13 Aug"]


def test_xlsx_has_the_header_and_hashtag_rows(api_as: ApiAs) -> None:
    ActivityFactory(settlement=Place.objects.get(pk=SUDZHA))

    response = api_as("coordinator").get("/api/v1/exports/3w.xlsx")

    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(_body(response)), read_only=True).active
    header, tags, row = list(sheet.iter_rows(values_only=True))
    assert header[0] == "Organisation" and tags[0] == "#org+name"
    assert row[-2:] == (1200, 300)


def test_xlsx_parses_as_hxl(api_as: ApiAs) -> None:
    _open_cases(5)

    data = _body(api_as("partner").get("/api/v1/exports/needs.xlsx"))
    source = hxl.input.make_input(io.BytesIO(data), hxl.input.InputOptions(allow_local=True))
    rows = list(hxl.data(source))

    assert rows[0].get("#inneed+hh") in ("5", 5, 5.0)


def test_settlements_geojson_aggregates_cases_and_agreement(api_as: ApiAs) -> None:
    _open_cases(6)
    sudzha = Place.objects.get(pk=SUDZHA)
    ClaimFactory(source=SourceFactory(name="A"), settlements=[sudzha])
    ClaimFactory(source=SourceFactory(name="B"), settlements=[sudzha], value="contested")

    response = api_as("partner").get("/api/v1/exports/settlements.geojson")

    collection = json.loads(_body(response))
    features = {f["id"]: f for f in collection["features"]}
    assert len(features) == Place.objects.count()
    properties = features[SUDZHA]["properties"]
    assert properties["open_cases"] == 6
    assert properties["agreement"] == "disagree"
    assert features[SUDZHA]["geometry"]["coordinates"] == [sudzha.lon, sudzha.lat]


def test_geojson_suppresses_small_case_counts(api_as: ApiAs) -> None:
    _open_cases(1)

    collection = json.loads(_body(api_as("partner").get("/api/v1/exports/settlements.geojson")))

    assert {f["id"]: f for f in collection["features"]}[SUDZHA]["properties"]["open_cases"] == ""


@pytest.mark.parametrize("role", ["operator", "field", "dpo"])
def test_roles_without_the_portal_get_403(api_as: ApiAs, role: str) -> None:
    assert api_as(role).get("/api/v1/exports/needs.csv").status_code == 403


def test_stranger_gets_401() -> None:
    assert Client().get("/api/v1/exports/3w.csv").status_code == 401


@pytest.mark.parametrize(
    ("path", "query", "field"),
    [
        ("3w.csv", {"sector": "magic"}, "sector"),
        ("claims.csv", {"attribute": "mood"}, "attribute"),
        ("claims.xlsx", {"as_of": "soon"}, "as_of"),
        ("settlements.geojson", {"attribute": "mood"}, "attribute"),
    ],
)
def test_bad_export_filter_is_422(
    api_as: ApiAs, path: str, query: dict[str, str], field: str
) -> None:
    response = api_as("partner").get(f"/api/v1/exports/{path}", query)

    assert response.status_code == 422
    assert response.json()["detail"].startswith(field)


def test_a_formula_in_a_cell_is_defused(api_as: ApiAs) -> None:
    ActivityFactory(settlement=Place.objects.get(pk=SUDZHA), description="=HYPERLINK(1)")

    body = _body(api_as("partner").get("/api/v1/exports/3w.csv")).decode()

    assert "'=HYPERLINK(1)" in body


@pytest.mark.parametrize(
    ("language", "settlement", "longitude"),
    [("ru", "Населённый пункт", "Долгота"), ("en", "Settlement", "Longitude")],
)
def test_every_header_is_in_the_readers_language(
    api_as: ApiAs, language: str, settlement: str, longitude: str
) -> None:
    """The location columns were headed in Ukrainian whatever the language asked."""
    response = api_as("partner").get(
        "/api/v1/exports/3w.csv", headers={"Accept-Language": language}
    )

    header = _body(response).decode("utf-8-sig").splitlines()[0].split(",")
    assert settlement in header and longitude in header
