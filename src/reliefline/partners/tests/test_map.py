"""The open needs on the situation map: nothing on it gives back a hidden count."""

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from conftest import SUDZHA
from reliefline.hotline.services import NeedInput
from reliefline.hotline.tests.factories import open_case

ClientAs = Callable[[str], Client]
pytestmark = pytest.mark.usefixtures("gazetteer")
ULANOK = "geonames-postal:RU-307822"
POGREBKI = "geonames-postal:RU-307836"
LAYER = "/places/situation/layers/needs.geojson"


def _households(settlement_id: str, n: int, *, need: str = "water", first: int = 0) -> None:
    for i in range(first, first + n):
        open_case(
            phone=f"+7910555{i:04d}",
            settlement_id=settlement_id,
            needs=(NeedInput(type=need),),
            household_size=3,
        )


def _features(client: Client) -> dict[str, dict[str, Any]]:
    response = client.get(LAYER)
    assert response.status_code == 200
    return {feature["id"]: feature for feature in response.json()["features"]}


def _anonymous(feature: dict[str, Any]) -> dict[str, Any]:
    """Return the feature without what names its settlement."""
    properties = {k: v for k, v in feature["properties"].items() if k not in ("id", "title")}
    return {"type": feature["type"], "properties": properties}


def test_one_and_four_households_draw_the_same(client_as: ClientAs) -> None:
    _households(ULANOK, 1)
    _households(POGREBKI, 4, first=10)

    features = _features(client_as("partner"))

    assert _anonymous(features[ULANOK]) == _anonymous(features[POGREBKI])
    assert features[ULANOK]["properties"]["details"] == ["Water: fewer than 5 households"]


def test_a_hidden_count_beside_a_shown_one_changes_nothing(client_as: ClientAs) -> None:
    _households(ULANOK, 5)
    _households(ULANOK, 1, need="food", first=10)
    _households(POGREBKI, 5, first=20)
    _households(POGREBKI, 4, need="food", first=30)

    features = _features(client_as("partner"))

    assert _anonymous(features[ULANOK]) == _anonymous(features[POGREBKI])


def test_counts_shown_size_the_circle(client_as: ClientAs) -> None:
    _households(SUDZHA, 9)
    _households(ULANOK, 1, first=20)

    features = _features(client_as("partner"))

    assert features[SUDZHA]["properties"]["size"] == 11  # 5 + 2√9
    assert features[SUDZHA]["properties"]["details"] == ["Water: 9 households"]
    assert features[ULANOK]["properties"]["size"] == 5  # the smallest, whatever is hidden


@pytest.mark.parametrize("role", ["operator", "coordinator"])
def test_internal_staff_read_the_small_counts_they_may_read_the_cases_of(
    client_as: ClientAs, role: str
) -> None:
    _households(ULANOK, 1)
    _households(POGREBKI, 4, first=10)

    features = _features(client_as(role))

    assert features[ULANOK]["properties"]["details"] == ["Water: 1 household"]
    assert features[POGREBKI]["properties"]["details"] == ["Water: 4 households"]
    assert features[POGREBKI]["properties"]["size"] == 9  # 5 + 2√4
