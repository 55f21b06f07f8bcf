"""What places reads of hotline's cases: wired from PlacesConfig.ready(), nowhere else.

places sits below hotline and people, so its services never import them. A claim made
from a resident's report keeps only the case reference; these two functions follow
that reference back for the checks and the retention the claim's note needs.
"""

from typing import Any

from django.db.models import Q

from reliefline.hotline.models import Case
from reliefline.people.models import Person
from reliefline.places.claims import claim_notes_forget


def case_names(reference: str) -> list[str]:
    """Return every name of the case's caller and of their household's members."""
    rows = (
        Person.objects.filter(
            Q(cases__reference=reference) | Q(household__cases__reference=reference)
        )
        .values_list("given_name", "patronymic", "family_name")
        .distinct()
    )
    return [name for row in rows for name in row if name]


def claims_forget_purged(sender: Any, **kwargs: Any) -> None:
    """Empty the notes of claims made from purged cases (a receiver of cases_purged).

    Every purged case counts, not only this purge's: a claim recorded from a case
    after its purge loses its note at the next one.
    """
    purged = Case.objects.filter(purged_at__isnull=False).values_list("reference", flat=True)
    claim_notes_forget(case_references=purged)
