"""The demo's corridors, convoys and requests tell story 3 of the scenario."""

import datetime as dt

import pytest
from django.utils import timezone

from reliefline.evacuation import demo, services
from reliefline.evacuation.models import Convoy, Corridor, EvacuationRequest, Placement
from reliefline.hotline.demo import demo_load as hotline_demo_load
from reliefline.hotline.demo import demo_users_ensure

pytestmark = pytest.mark.usefixtures("gazetteer")


@pytest.fixture
def loaded() -> demo.EvacuationDemo:
    demo_users_ensure()
    hotline_demo_load()
    return demo.demo_load()


def test_two_corridors_from_sudzha_guaranteed_by_the_icrc(loaded: demo.EvacuationDemo) -> None:
    assert loaded == demo.EvacuationDemo(corridors=2, requests=5)
    corridors = {c.name: c for c in Corridor.objects.all()}
    assert corridors["Sudzha → Sumy"].direction == "UA"
    assert corridors["Sudzha → Kursk"].direction == "RU"
    for corridor in corridors.values():
        assert [p.name for p in corridor.parties.all()] == ["ICRC"]
        window = corridor.windows.get()
        opens = timezone.localtime(window.starts_at)
        assert (opens.weekday(), opens.hour) == (5, 8)  # Saturday 08:00
        assert window.ends_at - window.starts_at == dt.timedelta(hours=6)
        assert Convoy.objects.get(window=window).vehicles.count() == 3


def test_loading_twice_creates_nothing_new(loaded: demo.EvacuationDemo) -> None:
    assert demo.demo_load() == demo.EvacuationDemo(corridors=0, requests=0)
    assert EvacuationRequest.objects.count() == 5


def test_mother_gets_a_wheelchair_place_beside_her_daughter_toward_russia(
    loaded: demo.EvacuationDemo,
) -> None:
    convoy = Convoy.objects.get(window__corridor__name="Sudzha → Kursk")
    services.convoy_allocate(convoy, by=None, time_limit=3)
    sokolova = Placement.objects.filter(person__family_name="Соколова", status="allocated")
    assert sorted(p.kind for p in sokolova) == ["seat", "wheelchair"]
    assert len({p.vehicle_id for p in sokolova}) == 1
    stretcher = Placement.objects.get(person__given_name="Николай")
    assert (stretcher.kind, stretcher.vehicle.label) == ("stretcher", "Medical van")
    # Those who asked for Ukraine are not on the convoy toward Russia.
    assert not Placement.objects.filter(
        vehicle__convoy=convoy, person__family_name="Ткаченко"
    ).exists()
