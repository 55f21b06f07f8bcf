"""Reads for the duplicate review queue: clusters by score, a cluster side by side."""

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.db.models import Field, ForeignKey, QuerySet
from django.http import HttpRequest
from django.utils import formats, timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from reliefline.access.audit import audit_record
from reliefline.access.models import AuditAction
from reliefline.errors import NotFound
from reliefline.people.merge import PICKS, default_picks, pair_score, relations_of
from reliefline.people.models import (
    ClusterStatus,
    DuplicateCluster,
    DuplicatePair,
    Merge,
    PairStatus,
    Person,
)

REVIEW_PURPOSE = gettext_noop("duplicate review")
PICK_LABELS = {
    "given_name": gettext_lazy("Given name"),
    "patronymic": gettext_lazy("Patronymic"),
    "family_name": gettext_lazy("Family name"),
    "birth_date": gettext_lazy("Birth date"),
    "phone": gettext_lazy("Phone"),
    "preferred_language": gettext_lazy("Language"),
    "household": gettext_lazy("Household"),
    "consent": gettext_lazy("Legal basis and consent"),
    "external_id": gettext_lazy("External id"),
}
# What the comparison shows of each person (people/_pair.html), for the audit log.
COMPARED_FIELDS = (
    "given_name",
    "patronymic",
    "family_name",
    "birth_date",
    "phone",
    "preferred_language",
    "household",
    "consent",
    "external_id",
    "cases",
)


def cluster_queue() -> QuerySet[DuplicateCluster]:
    """Return the open clusters, most likely duplicates first."""
    return DuplicateCluster.objects.filter(status=ClusterStatus.OPEN).order_by("-score", "pk")


def cluster_members(clusters: list[DuplicateCluster]) -> dict[int, list[Person]]:
    """Return the persons of each cluster's open pairs, in id order."""
    pairs = DuplicatePair.objects.filter(cluster__in=clusters, status=PairStatus.OPEN)
    ids: dict[int, set[int]] = {c.pk: set() for c in clusters}
    for cluster_id, first, second in pairs.values_list("cluster_id", "first_id", "second_id"):
        if cluster_id is not None:
            ids[cluster_id] |= {first, second}
    persons = Person.objects.in_bulk({pk for members in ids.values() for pk in members})
    return {cid: [persons[pk] for pk in sorted(members)] for cid, members in ids.items()}


@dataclass(frozen=True)
class PairView:
    """An open pair as the reviewer sees it: both persons, the score now, and why."""

    pair: DuplicatePair
    probability: float
    decision: str
    reasons: list[str]


@dataclass(frozen=True)
class FieldChoice:
    """One pickable field: its label and each person's value as shown."""

    name: str
    label: str
    values: tuple[str, str]
    default: int


@dataclass(frozen=True)
class Linked:
    """Rows of one kind that point at a person (cases, evacuation requests, ...)."""

    label: str
    count: int
    shown: list[str]


LINKED_SHOWN = 10


def linked_records(person_ids: list[int]) -> dict[int, list[Linked]]:
    """Return, per person, the rows of every app that point at them (what a merge moves).

    Found through the relations, as the merge finds them, so people needs to know no
    higher app: a case shows as its reference.
    """
    found: dict[int, list[Linked]] = {pk: [] for pk in person_ids}
    for model, field in relations_of(Person):
        if model is Person:
            continue
        for pk in person_ids:
            rows = model._base_manager.filter(**{field.attname: pk}).order_by("-pk")
            count = rows.count()
            if count:
                label = str(model._meta.verbose_name_plural)
                shown = [str(row) for row in rows[:LINKED_SHOWN]]
                found[pk].append(Linked(label, count, shown))
    return found


@dataclass(frozen=True)
class ClusterView:
    cluster: DuplicateCluster
    persons: list[Person]
    linked: dict[int, list[Linked]]
    pairs: list[PairView]


def cluster_get(cluster_id: int) -> DuplicateCluster:
    """Return the cluster, or raise NotFound."""
    cluster = DuplicateCluster.objects.filter(pk=cluster_id).first()
    if cluster is None:
        raise NotFound(_("No such cluster."), field="cluster_id")
    return cluster


def cluster_view(cluster: DuplicateCluster) -> ClusterView:
    """Return the cluster's persons, their cases, and its open pairs rescored now.

    The reasons are the scorer's on today's records, so an edit since the dedupe run
    shows in the comparison.
    """
    pairs = list(
        cluster.pairs.filter(status=PairStatus.OPEN)
        .select_related("first__household__settlement", "second__household__settlement")
        .order_by("-probability", "pk")
    )
    persons: dict[int, Person] = {}
    views = []
    for pair in pairs:
        persons.setdefault(pair.first_id, pair.first)
        persons.setdefault(pair.second_id, pair.second)
        verdict = pair_score(pair.first, pair.second)
        views.append(PairView(pair, verdict.probability, verdict.decision.value, verdict.reasons))
    cases = linked_records(list(persons))
    ordered = [persons[pk] for pk in sorted(persons)]
    return ClusterView(cluster, ordered, cases, views)


def pair_get(pair_id: int) -> DuplicatePair:
    """Return the pair with both persons, or raise NotFound."""
    pair = (
        DuplicatePair.objects.select_related(
            "first__household__settlement", "second__household__settlement", "cluster"
        )
        .filter(pk=pair_id)
        .first()
    )
    if pair is None:
        raise NotFound(_("No such pair."), field="pair_id")
    return pair


def _shown(person: Person, name: str) -> str:
    if name == "household":
        household = person.household
        if household is None:
            return "—"
        place = f" · {household.settlement}" if household.settlement else ""
        return f"{household} ({household.size}){place}"
    if name == "consent":
        when = ""
        if person.consent_at:  # the day on the operation's clock, not UTC's
            when = " · " + formats.date_format(timezone.localtime(person.consent_at), "Y-m-d")
        return f"{person.get_legal_basis_display()} · {person.get_consent_method_display()}{when}"
    if name == "preferred_language":
        return str(person.get_preferred_language_display())
    value: Any = getattr(person, name)
    return str(value) if value not in (None, "") else "—"


def _person_field(name: str) -> Field[Any, Any] | None:
    """Return the person's field by name or attname (a snapshot keys foreign keys so)."""
    return next((f for f in Person._meta.concrete_fields if name in (f.name, f.attname)), None)


def field_label(name: str) -> str:
    """Return the person's field as the reader's language names it ("Given name")."""
    field = _person_field(name)
    return capfirst(str(field.verbose_name)) if field is not None else name  # renamed since


def _value_shown(field: Field[Any, Any] | None, value: Any) -> str:
    if value is None or value == "":
        return "—"
    if field is None:
        return str(value)  # a field renamed since the snapshot
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(field, ForeignKey):
        # The row the id named, as pages name it: H-000028, a username, a person.
        related = field.remote_field.model._base_manager.filter(pk=value).first()
        return str(related) if related is not None else str(value)
    plain = field.to_python(value)
    if isinstance(plain, dt.datetime):
        # On the operation's clock, as every staff page writes a moment.
        moment = timezone.localtime(plain) if timezone.is_aware(plain) else plain
        return formats.date_format(moment, "Y-m-d H:i")
    if isinstance(plain, dt.date):
        return formats.date_format(plain, "Y-m-d")
    return str(plain)


def person_values_shown(values: Mapping[str, Any]) -> dict[str, str]:
    """Return a person's snapshot (people.merge.values_of: attnames, plain JSON values)
    as a reader reads it: each field's label and value in the active language, a
    choice by its label, a related row as pages name it, a moment as "Y-m-d H:i" on
    the operation's clock, "—" for nothing."""
    return {
        field_label(name): _value_shown(_person_field(name), value)
        for name, value in values.items()
    }


def field_choices(first: Person, second: Person) -> list[FieldChoice]:
    """Return each pickable field with both values, defaulting to the first's when set."""
    defaults = default_picks(first, second)
    return [
        FieldChoice(
            name,
            str(PICK_LABELS[name]),
            (_shown(first, name), _shown(second, name)),
            defaults[name],
        )
        for name in PICKS
    ]


def review_audit(
    persons: list[Person], *, by: User, request: HttpRequest, record: str, fields: tuple[str, ...]
) -> None:
    """Record in the audit log that a reviewer was shown these persons' fields."""
    if persons:
        audit_record(
            user=by,
            action=AuditAction.READ,
            record=record,
            purpose=REVIEW_PURPOSE,
            person_ids=[p.pk for p in persons],
            fields=fields,
            request=request,
        )


def merges_recent(*, limit: int = 10) -> QuerySet[Merge]:
    """Return the newest merges, with both persons."""
    return Merge.objects.select_related("survivor", "merged", "by").order_by("-at", "-pk")[:limit]


def merge_get(merge_id: int) -> Merge:
    merge = (
        Merge.objects.select_related("survivor__household", "merged__household", "by", "undone_by")
        .filter(pk=merge_id)
        .first()
    )
    if merge is None:
        raise NotFound(_("No such merge."), field="merge_id")
    return merge
