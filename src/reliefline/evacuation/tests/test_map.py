"""Corridors on the situation map: a line through the stops, coloured by status."""

import pytest

from reliefline.evacuation.tests.factories import corridor

LAYER = "/places/situation/layers/corridors.geojson"


@pytest.fixture
def sudzha_sumy(gazetteer):
    return corridor(direction="UA")


def test_coordinator_sees_the_corridor_as_a_line_through_its_stops(client_as, sudzha_sumy):
    features = client_as("coordinator").get(LAYER).json()["features"]

    (line,) = features
    assert line["geometry"]["type"] == "LineString"
    assert len(line["geometry"]["coordinates"]) == 2
    assert line["properties"]["title"] == sudzha_sumy.name
    assert line["properties"]["tone"] == "muted"  # proposed, not yet agreed


def test_the_layer_names_no_person(client_as, sudzha_sumy):
    body = client_as("coordinator").get(LAYER).content.decode()

    assert "Ирина" not in body and "+7" not in body


@pytest.mark.parametrize("role", ["partner", "operator", "dpo"])
def test_roles_without_corridors_do_not_get_the_layer(client_as, sudzha_sumy, role):
    assert client_as(role).get(LAYER).status_code == 404
