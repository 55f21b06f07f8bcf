import datetime as dt

import factory

from reliefline.places.models import Attribute, Claim, Place, Source, SourceKind
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


class SourceFactory(factory.django.DjangoModelFactory[Source]):
    class Meta:
        model = Source
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Source {n}")
    kind = SourceKind.ANALYST


class ClaimFactory(factory.django.DjangoModelFactory[Claim]):
    """A claim about `settlements` (a list of places, default one new place)."""

    class Meta:
        model = Claim
        skip_postgeneration_save = True

    source = factory.SubFactory(SourceFactory)
    attribute = Attribute.CONTROL
    value = "ukrainian_forces"
    stated_at = dt.date(2024, 8, 13)
    refers_to = factory.SelfAttribute("stated_at")

    @factory.post_generation
    def settlements(self, create: bool, extracted: list[Place] | None, **kwargs: object) -> None:
        if create:
            self.settlements.set(extracted if extracted is not None else [PlaceFactory()])
