"""Demo duplicates: two demo callers registered a second time, as a partner's list typed
them, and the dedupe run that queues them for review (/people/duplicates/)."""

import datetime as dt
from dataclasses import dataclass

from reliefline.people.dedupe import dedupe_run
from reliefline.people.models import Household, Person

# (external id, given, patronymic, family, birth date, phone): people of the hotline
# demo (hotline/demo.py) as another registry spelled them.
DUPLICATES = (
    ("demo-list-1", "Natalia", "", "Sokolova", dt.date(1968, 3, 14), ""),
    ("demo-list-2", "Галина", "Степановна", "Лысенко", dt.date(1958, 5, 30), "+79100000004"),
)


@dataclass(frozen=True)
class DemoResult:
    created: int
    clusters: int


def demo_load() -> DemoResult:
    """Return how many duplicates were registered (none on a rerun) and open clusters."""
    created = 0
    for external_id, given, patronymic, family, born, phone in DUPLICATES:
        if Person.objects.filter(external_id=external_id).exists():
            continue
        Person.objects.create(
            household=Household.objects.create(size=1),
            external_id=external_id,
            given_name=given,
            patronymic=patronymic,
            family_name=family,
            birth_date=born,
            phone=phone,
        )
        created += 1
    return DemoResult(created=created, clusters=dedupe_run().open_clusters)
