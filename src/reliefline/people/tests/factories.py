import datetime as dt

import factory

from reliefline.people.models import Household, Person


class HouseholdFactory(factory.django.DjangoModelFactory[Household]):
    class Meta:
        model = Household

    size = 2


class PersonFactory(factory.django.DjangoModelFactory[Person]):
    class Meta:
        model = Person

    household = factory.SubFactory(HouseholdFactory)
    given_name = "Ирина"
    family_name = "Верещук"
    patronymic = "Николаевна"
    birth_date = dt.date(1979, 10, 30)
    phone = factory.Sequence(lambda n: f"+7910{n:07d}")
    preferred_language = "ru"
