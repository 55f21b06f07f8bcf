import factory

from reliefline.places.models import Place
from reliefline.places.services import place_search_key


class PlaceFactory(factory.django.DjangoModelFactory[Place]):
    class Meta:
        model = Place

    id = factory.Sequence(lambda n: f"test:{n}")
    name_ru = "Суджа"
    name_uk = "Суджа"
    name_en = "Sudzha"
    country = "RU"
    oblast = "Курская область"
    district = "Суджанский район"
    kind = "populated_place"
    lat = 51.19
    lon = 35.27
    population = 5700
    search_key = factory.LazyAttribute(place_search_key)
