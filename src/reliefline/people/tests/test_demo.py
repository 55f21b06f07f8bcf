import pytest

from reliefline.hotline.demo import demo_load as hotline_demo_load
from reliefline.hotline.demo import demo_users_ensure
from reliefline.people.demo import demo_load
from reliefline.people.models import DuplicatePair, Person

pytestmark = pytest.mark.django_db


def test_demo_queues_the_demo_duplicates_once(gazetteer) -> None:
    demo_users_ensure()
    hotline_demo_load()
    first = demo_load()
    again = demo_load()
    assert (first.created, again.created) == (2, 0)
    latin = Person.objects.get(external_id="demo-list-1")
    pair = DuplicatePair.objects.get(second=latin)
    assert pair.first.family_name == "Соколова"
    assert DuplicatePair.objects.filter(second__external_id="demo-list-2").exists()
    assert again.clusters == first.clusters >= 2
