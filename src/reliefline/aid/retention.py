"""Retention for aid: the name a recipient gave at the handover goes with their household's data,
and so do the texts of a distribution refused once sent.

hotline.retention purges cases and persons; this app follows after each purge
(`retention_ran`), as channels does, and tells the purge which persons it still
needs (`persons_held`).
"""

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet

from reliefline.aid.models import Distribution, DistributionRefusal
from reliefline.people.models import Person


@transaction.atomic
def recipient_names_forget() -> int:
    """Empty the recipient's name as given on distributions to purged persons; return how many.

    A distribution went to a household (and perhaps one person of it): the name was
    given by one of its members, so it goes once any member is purged, or the person
    named is. Items, quantities, dates and the confirmation code stay for the stock
    ledger and the reports. May be run at any time: it only ever removes.
    """
    purged = Q(household__members__purged_at__isnull=False) | Q(person__purged_at__isnull=False)
    named = Distribution.objects.filter(purged).exclude(recipient_name="")
    return named.update(recipient_name="")


@transaction.atomic
def refusal_texts_forget() -> int:
    """Empty the reasons and note of refusals to households with a purged member; return how many.

    Both are free text that may tell of the family (the note is a coordinator's,
    the reasons are as the phone sent them). The household, items, quantities,
    dates, confirmation code and settlement stay for the ledger and the reports.
    """
    purged = DistributionRefusal.objects.filter(household__members__purged_at__isnull=False)
    # The note is encrypted: "" is the only value a query can compare it with.
    texts = purged.exclude(reasons="", note="").values("pk")
    return DistributionRefusal.objects.filter(pk__in=texts).update(reasons="", note="")


def persons_held(sender: Any, *, cutoff: dt.datetime, **kwargs: Any) -> QuerySet[Person]:
    """Return the persons whose household (or who themselves) received aid since `cutoff`.

    Aid handed out offline and refused once sent counts: the household was served.

    A receiver of hotline.retention.persons_held: a registry person with no case but
    a recent distribution is still being served, so retention keeps them.
    """
    recent = Distribution.objects.filter(at__gte=cutoff)
    refused = DistributionRefusal.objects.filter(created_at__gte=cutoff)
    return Person.objects.filter(
        Q(household__in=recent.values("household_id"))
        | Q(household__in=refused.values("household_id"))
        | Q(pk__in=recent.filter(person__isnull=False).values("person_id"))
    )


def retention_ran(sender: Any, **kwargs: Any) -> None:
    """Forget names and refusal texts after retention purged cases and persons (a receiver)."""
    recipient_names_forget()
    refusal_texts_forget()
