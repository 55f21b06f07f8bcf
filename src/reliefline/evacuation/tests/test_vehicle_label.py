"""A convoy's vehicles are told apart by their labels, whatever their case."""

import json
from collections.abc import Callable

import pytest
from django.test import Client

from reliefline.evacuation.services import VehicleInput
from reliefline.evacuation.tests import factories as f

pytestmark = pytest.mark.usefixtures("gazetteer")
API = "/api/v1/evacuation"


@pytest.mark.parametrize("label", ["bus 1", "BUS 1", "автобус 1"])
def test_a_second_vehicle_of_the_same_label_in_another_case_is_refused(
    api_as: Callable[[str], Client], label: str
) -> None:
    first = "Автобус 1" if label.startswith("автобус") else "Bus 1"
    convoy = f.convoy(vehicles=[VehicleInput(first, seats=2)])

    response = api_as("coordinator").post(
        f"{API}/convoys/{convoy.pk}/vehicles",
        json.dumps({"label": label, "seats": 2}),
        content_type="application/json",
        headers={"Accept-Language": "en"},
    )

    assert response.status_code == 422
    assert response.json()["field"] == "label"
    assert convoy.vehicles.count() == 1
