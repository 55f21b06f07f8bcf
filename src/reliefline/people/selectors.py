"""Reads of households and persons."""

from django.db.models import Q, QuerySet

from reliefline.access.crypto import blind_index_candidates
from reliefline.people.models import Person
from reliefline.people.phones import phone_normalise
from reliefline.translit import skeleton

MIN_NAME_KEY = 3


def person_lookup(*, phone: str = "", name: str = "", limit: int = 20) -> QuerySet[Person]:
    """Return persons with exactly this phone or a name like this one in any script.

    The phone is matched through its blind index (it is encrypted at rest); the name
    through its script-independent skeleton, so «Ирина Верещук» finds "Iryna Vereshchuk".
    """
    condition = Q()
    normalised = phone_normalise(phone) if phone else None
    if normalised:
        condition |= Q(phone_index__in=blind_index_candidates(normalised))
    key = skeleton(name)
    if len(key) >= MIN_NAME_KEY:
        words = key.split()
        name_condition = Q()
        for word in words:
            name_condition &= Q(name_key__contains=word)
        condition |= name_condition
    if not condition:
        return Person.objects.none()
    return (
        Person.objects.filter(condition)
        .select_related("household__settlement")
        .order_by("-created_at")[:limit]
    )
