import datetime as dt

import factory
from django.utils import timezone

from reliefline.partners.models import (
    Activity,
    Membership,
    Organisation,
    OrganisationKind,
    Sector,
    SharingAgreement,
)
from reliefline.places.tests.factories import PlaceFactory


class OrganisationFactory(factory.django.DjangoModelFactory[Organisation]):
    class Meta:
        model = Organisation
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Partner {n}")
    acronym = factory.Sequence(lambda n: f"P{n}")
    kind = OrganisationKind.NGO


class MembershipFactory(factory.django.DjangoModelFactory[Membership]):
    class Meta:
        model = Membership

    organisation = factory.SubFactory(OrganisationFactory)


class AgreementFactory(factory.django.DjangoModelFactory[SharingAgreement]):
    """An agreement in force for a day around now; pass `settlements=[...]`."""

    class Meta:
        model = SharingAgreement
        skip_postgeneration_save = True

    organisation = factory.SubFactory(OrganisationFactory)
    purpose = "Medical follow-up of people who cannot leave"
    categories = factory.LazyFunction(lambda: ["aggregates", "cases"])
    need_types = factory.LazyFunction(lambda: ["medicine"])
    fields = factory.LazyFunction(list)
    starts_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(hours=1))
    ends_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=1))

    @factory.post_generation
    def settlements(self, create: bool, extracted: list[object] | None, **kwargs: object) -> None:
        if create and extracted:
            self.settlements.set(extracted)


class ActivityFactory(factory.django.DjangoModelFactory[Activity]):
    class Meta:
        model = Activity

    organisation = factory.SubFactory(OrganisationFactory)
    sector = Sector.WASH
    description = "Water trucking"
    settlement = factory.SubFactory(PlaceFactory)
    starts_on = dt.date(2024, 8, 15)
    ends_on = dt.date(2024, 8, 31)
    targeted = 1200
    reached = 300
