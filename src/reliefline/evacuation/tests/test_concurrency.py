"""Two coordinators or field devices taking the last place at once: one gets it, never both.

Each thread has its own database connection, as each gunicorn worker has. The test
runs outside a test transaction (transactional_db) so the threads see each other's
commits. SQLite's test database is in shared-cache memory, where a second writer
fails at once instead of waiting, so on SQLite the threads work on a file copy in WAL
mode with the busy timeout, which is how reliefline runs on SQLite.
"""

import sqlite3
from pathlib import Path

import pytest

from conftest import threads_database, together
from reliefline.evacuation import services
from reliefline.evacuation.errors import HardConstraint, PlaceTaken
from reliefline.evacuation.models import Placement
from reliefline.evacuation.services import VehicleInput
from reliefline.evacuation.tests import factories as f

DEVICES = 4


def _held(name: str | None, convoy_id: int) -> list[tuple[str, int]]:
    """Return the (kind, number) places held on the convoy, where the threads wrote."""
    if name is None:
        return list(
            Placement.objects.filter(vehicle__convoy_id=convoy_id, status="allocated").values_list(
                "kind", "number"
            )
        )
    with sqlite3.connect(name) as db:
        rows = db.execute(
            "SELECT p.kind, p.number FROM evacuation_placement p JOIN evacuation_vehicle v"
            " ON v.id = p.vehicle_id WHERE v.convoy_id = ? AND p.status = 'allocated'",
            (convoy_id,),
        ).fetchall()
    return [(kind, number) for kind, number in rows]


@pytest.mark.usefixtures("gazetteer")
def test_last_place_goes_to_exactly_one_of_several_devices(
    transactional_db: None, tmp_path: Path
) -> None:
    convoy = f.convoy(vehicles=[VehicleInput("Bus", seats=1)])
    vehicle = f.bus(convoy)
    requests = [f.request(phone=f"+7910123450{i}", given_name=f"Имя{i}") for i in range(DEVICES)]
    name = threads_database(tmp_path)

    def device(i: int) -> str:
        services.request_place(requests[i], vehicle, by=None)
        return "placed"

    outcomes = together(device, DEVICES, database=name)
    placed = [o for o in outcomes if o == "placed"]
    refused = [o for o in outcomes if isinstance(o, HardConstraint | PlaceTaken)]
    assert len(placed) == 1, outcomes
    assert len(refused) == DEVICES - 1, outcomes
    assert _held(name, vehicle.convoy_id) == [("seat", 1)]


@pytest.mark.usefixtures("gazetteer")
def test_two_coordinators_allocating_one_convoy_at_once_never_double_book(
    transactional_db: None, tmp_path: Path
) -> None:
    convoy = f.convoy(vehicles=[VehicleInput("Bus", seats=3, wheelchair_places=1)])
    for i in range(6):
        f.request(phone=f"+7910123460{i}", given_name=f"Имя{i}")
    name = threads_database(tmp_path)

    def coordinator(i: int) -> int:
        return services.convoy_allocate(convoy, by=None, time_limit=2).allocated

    outcomes = together(coordinator, 2, database=name)
    assert all(o == 3 for o in outcomes), outcomes
    assert sorted(_held(name, convoy.pk)) == [("seat", 1), ("seat", 2), ("seat", 3)]
