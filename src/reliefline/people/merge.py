"""Merging a duplicate person into the surviving record, and undoing it exactly.

A merge never deletes: every row of any app that points at the merged person (cases,
and whatever later apps add: evacuation requests, distributions, channel contacts) is
re-pointed to the survivor, found generically through Person._meta.related_objects;
with the households merged too, every row pointing at the merged household moves to
the surviving one. The Merge row records each moved row and both records' field
values before and after, so merge_undo puts everything back, and refuses, naming what
changed, when a later edit would be overwritten.
"""

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from reliefline.access.audit import audit_record
from reliefline.access.models import AuditAction
from reliefline.errors import Conflict, InvalidInput, NotFound
from reliefline.people.dedupe import comparisons_of
from reliefline.people.matching import POSSIBLE, Identity, Score, score
from reliefline.people.models import (
    ClusterStatus,
    DuplicateCluster,
    DuplicatePair,
    Household,
    Merge,
    PairStatus,
    Person,
    PersonKey,
)

MERGE_PURPOSE = gettext_noop("merge duplicate persons")
UNDO_PURPOSE = gettext_noop("undo a merge of duplicate persons")

# What a coordinator picks from one record or the other; consent moves as one piece
# (basis, method, when and by whom), so the pick can never break its constraint.
PICKS: dict[str, tuple[str, ...]] = {
    "given_name": ("given_name",),
    "patronymic": ("patronymic",),
    "family_name": ("family_name",),
    "birth_date": ("birth_date",),
    "phone": ("phone",),
    "preferred_language": ("preferred_language",),
    "household": ("household",),
    "consent": ("legal_basis", "consent_method", "consent_at", "consent_recorded_by"),
    "external_id": ("external_id",),
}
# Derived from the fields on every save, or fixed at creation: not snapshotted.
_NOT_SNAPSHOTTED = {"name_key", "phone_index", "created_at"}
# The matching index is derived (Person.save rebuilds it); the review models name both
# persons on purpose and are hidden relations anyway.
_NOT_MOVED: set[type[models.Model]] = {PersonKey, DuplicatePair, Merge}


class MergeNotFound(NotFound):
    code = "merge_not_found"

    def __init__(self) -> None:
        super().__init__(_("No such merge."), field="merge_id")


class PersonNotFound(NotFound):
    code = "person_not_found"

    def __init__(self, *, field: str) -> None:
        super().__init__(_("No such person."), field=field)


class MergeRefused(Conflict):
    code = "merge_refused"


class UndoRefused(Conflict):
    """The records changed since the merge in a way undo would overwrite."""

    code = "undo_refused"

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        self.problems = problems
        shown = "; ".join(f"{field}: {problem}" for field, problem in problems[:5])
        more = len(problems) - 5
        if more > 0:
            shown += " " + _("(and %(n)s more)") % {"n": more}
        super().__init__(
            _("Cannot undo: the records changed since the merge (%(problems)s).")
            % {"problems": shown},
            field=problems[0][0],
        )


@dataclass(frozen=True)
class MergeRequest:
    """Which record survives, which is merged into it, and whose value each field keeps.

    `fields` maps a name of PICKS to the id of the person whose value to keep; a field
    left out keeps the survivor's value, or the merged record's when the survivor has
    none. `merge_households` folds the merged person's household into the surviving one.
    """

    survivor_id: int
    merged_id: int
    fields: Mapping[str, int]
    merge_households: bool = True


def _plain(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return value


def _snapshot_fields(model: type[models.Model]) -> list[models.Field[Any, Any]]:
    return [
        field
        for field in model._meta.concrete_fields
        if not field.primary_key and field.name not in _NOT_SNAPSHOTTED
    ]


def values_of(obj: models.Model) -> dict[str, Any]:
    """Return the record's field values as JSON-ready plain values, keyed by attname."""
    return {f.attname: _plain(getattr(obj, f.attname)) for f in _snapshot_fields(type(obj))}


def _restore(obj: models.Model, values: Mapping[str, Any]) -> None:
    for field in _snapshot_fields(type(obj)):
        if field.attname in values:
            setattr(obj, field.attname, field.to_python(values[field.attname]))


def relations_of(
    model: type[models.Model],
) -> list[tuple[type[models.Model], models.Field[Any, Any]]]:
    """Return (model, foreign key) for every relation pointing at `model`, any app.

    Hidden relations (related_name="+") count too: they point at the person all the same.
    A many-to-many relation is moved through its intermediate table's foreign key,
    which is itself one of these relations.
    """
    found: list[tuple[type[models.Model], models.Field[Any, Any]]] = []
    for relation in model._meta.get_fields(include_hidden=True):
        if not (relation.auto_created and not relation.concrete) or relation.many_to_many:
            continue
        related = relation.related_model
        if not isinstance(related, type) or related in _NOT_MOVED:
            continue
        found.append((related, relation.field))  # type: ignore[union-attr]
    return found


def _move(
    model: type[models.Model],
    *,
    source: int,
    target: int,
    keep: Iterable[int],
) -> list[dict[str, Any]]:
    """Re-point every row from `source` to `target`; return what moved.

    Rows of Person whose id is in `keep` (the two persons merged) are left alone: their
    own fields follow the coordinator's picks.
    """
    moved: list[dict[str, Any]] = []
    for related, field in relations_of(model):
        rows = related._base_manager.filter(**{field.attname: source})
        if related is Person:
            rows = rows.exclude(pk__in=list(keep))
        pks = list(rows.values_list("pk", flat=True))
        if not pks:
            continue
        label = related._meta.label_lower
        try:
            with transaction.atomic():
                related._base_manager.filter(pk__in=pks).update(**{field.attname: target})
        except IntegrityError as error:
            # A unique constraint (one seat per person per convoy, say) would be broken.
            raise MergeRefused(
                _("Both records have a %(model)s that can exist only once; resolve it first.")
                % {"model": related._meta.verbose_name},
                field=f"{label}.{field.name}",
            ) from error
        moved.extend(
            {"model": label, "field": field.name, "pk": _plain(pk), "from": source, "to": target}
            for pk in pks
        )
    return moved


def default_picks(survivor: Person, merged: Person) -> dict[str, int]:
    """Return, for each field, whose value to keep: the survivor's unless it is empty."""
    picks = {}
    for name, attributes in PICKS.items():
        own = [getattr(survivor, f"{a}_id", getattr(survivor, a, None)) for a in attributes]
        other = [getattr(merged, f"{a}_id", getattr(merged, a, None)) for a in attributes]
        empty = all(v in (None, "") for v in own) and any(v not in (None, "") for v in other)
        picks[name] = merged.pk if empty and name != "consent" else survivor.pk
    return picks


def _lock_persons(*ids: int) -> dict[int, Person]:
    # Always in id order, so two merges of overlapping pairs cannot deadlock.
    return {p.pk: p for p in Person.objects.select_for_update().filter(pk__in=ids).order_by("pk")}


def _lock_households(*ids: int | None) -> dict[int, Household]:
    wanted = sorted({pk for pk in ids if pk is not None})
    return {
        h.pk: h for h in Household.objects.select_for_update().filter(pk__in=wanted).order_by("pk")
    }


def _check_request(request: MergeRequest, persons: dict[int, Person]) -> tuple[Person, Person]:
    if request.survivor_id == request.merged_id:
        raise InvalidInput(_("Choose two different persons."), field="merged_id")
    for field, pk in (("survivor_id", request.survivor_id), ("merged_id", request.merged_id)):
        person = persons.get(pk)
        if person is None:
            raise PersonNotFound(field=field)
        if person.merged_into_id is not None:
            raise MergeRefused(
                _("P-%(id)s was already merged into P-%(into)s.")
                % {"id": pk, "into": person.merged_into_id},
                field=field,
            )
        if person.purged_at is not None:
            raise MergeRefused(_("P-%(id)s was purged.") % {"id": pk}, field=field)
    for name, pk in request.fields.items():
        if name not in PICKS:
            raise InvalidInput(_("Unknown field %(name)s.") % {"name": name[:40]}, field="fields")
        if pk not in (request.survivor_id, request.merged_id):
            raise InvalidInput(
                _("Keep the value of one of the two persons."), field=f"fields.{name}"
            )
    return persons[request.survivor_id], persons[request.merged_id]


def _apply_picks(survivor: Person, merged: Person, picks: Mapping[str, int]) -> list[str]:
    """Copy the picked values of the merged record onto the survivor; return the fields."""
    taken = []
    for name, attributes in PICKS.items():
        if picks.get(name) != merged.pk:
            continue
        for attribute in attributes:
            attname = Person._meta.get_field(attribute).attname  # type: ignore[union-attr]
            setattr(survivor, attname, getattr(merged, attname))
        taken.append(name)
    if not (survivor.given_name or survivor.family_name or survivor.phone):
        raise InvalidInput(
            _("The surviving record needs a name or a phone."), field="fields.family_name"
        )
    return taken


@transaction.atomic
def person_merge(request: MergeRequest, *, by: User | None) -> Merge:
    """Merge one person into another, moving every row that points at it; return the Merge.

    Raise PersonNotFound, InvalidInput for a bad pick, MergeRefused when a record was
    merged or purged already or a unique row would be duplicated.
    """
    persons = _lock_persons(request.survivor_id, request.merged_id)
    survivor, merged = _check_request(request, persons)
    picks = {**default_picks(survivor, merged), **request.fields}
    household_from = merged if picks["household"] == merged.pk else survivor
    surviving_household_id = household_from.household_id
    other = survivor if household_from is merged else merged
    folded_id = (
        other.household_id
        if request.merge_households
        and other.household_id is not None
        and surviving_household_id is not None
        and other.household_id != surviving_household_id
        else None
    )
    households = _lock_households(survivor.household_id, merged.household_id)
    snapshot: dict[str, Any] = {
        "survivor_before": values_of(survivor),
        "merged_before": values_of(merged),
        "households_before": {str(pk): values_of(h) for pk, h in households.items()},
    }
    keep = (survivor.pk, merged.pk)
    moved = _move(Person, source=merged.pk, target=survivor.pk, keep=keep)
    if folded_id is not None and surviving_household_id is not None:
        moved += _move(Household, source=folded_id, target=surviving_household_id, keep=keep)
        folded = households[folded_id]
        folded.merged_into_id = surviving_household_id
        folded.save(update_fields=["merged_into"])
    taken = _apply_picks(survivor, merged, picks)
    if "external_id" in taken:
        merged.external_id = None  # unique: the survivor now carries it
    merged.merged_into = survivor
    merged.save()
    survivor.save()
    for obj in (survivor, merged, *households.values()):
        obj.refresh_from_db()
    snapshot |= {
        "survivor_after": values_of(survivor),
        "merged_after": values_of(merged),
        "households_after": {str(pk): values_of(h) for pk, h in households.items()},
    }
    merge = Merge.objects.create(
        survivor=survivor,
        merged=merged,
        survivor_household_id=surviving_household_id,
        merged_household_id=folded_id,
        moved=moved,
        snapshot=json.dumps(snapshot, cls=DjangoJSONEncoder),
        by=by,
    )
    _pairs_after_merge(merge, by=by)
    audit_record(
        user=by,
        action=AuditAction.UPDATE,
        record=f"people.merge:{merge.pk}",
        purpose=MERGE_PURPOSE,
        person_ids=keep,
        fields=["merged_into", *sorted({f for name in taken for f in PICKS[name]})],
    )
    return merge


def pair_of(one: int, other: int) -> tuple[int, int]:
    return (one, other) if one < other else (other, one)


def identity_of(person: Person) -> Identity:
    """Return the identity the scorer compares (settlement from the household)."""
    settlement = person.household.settlement_id if person.household else None
    return Identity(
        given_name=person.given_name,
        family_name=person.family_name,
        patronymic=person.patronymic,
        birth_date=person.birth_date,
        phone=person.phone,
        settlement_ids=frozenset({settlement}) if settlement else frozenset(),
    )


def pair_score(one: Person, other: Person) -> Score:
    """Return the scorer's verdict on two registered persons (symmetric, no keyboard fix)."""
    from reliefline.people.matching import prepare

    a, b = identity_of(one), identity_of(other)
    return score(a, b, query_keys=prepare(a), record_keys=prepare(b))


def _pairs_after_merge(merge: Merge, *, by: User | None) -> None:
    """Close the merged pair, and ask again about the merged person's other open pairs.

    Those pairs now concern the survivor: each is scored against the survivor and kept,
    in the same cluster, when it still reaches `possible`.
    """
    survivor, merged = merge.survivor, merge.merged
    now = timezone.now()
    first, second = pair_of(survivor.pk, merged.pk)
    DuplicatePair.objects.update_or_create(
        first_id=first,
        second_id=second,
        defaults={
            "status": PairStatus.MERGED,
            "merge": merge,
            "decided_at": now,
            "decided_by": by,
        },
        create_defaults={
            "status": PairStatus.MERGED,
            "merge": merge,
            "decided_at": now,
            "decided_by": by,
            "probability": pair_score(survivor, merged).probability,
        },
    )
    touched: set[int | None] = set(
        DuplicatePair.objects.filter(first_id=first, second_id=second).values_list(
            "cluster_id", flat=True
        )
    )
    others = DuplicatePair.objects.filter(
        Q(first=merged) | Q(second=merged), status=PairStatus.OPEN
    ).select_related("first__household", "second__household")
    for pair in others:
        partner = pair.second if pair.first_id == merged.pk else pair.first
        touched.add(pair.cluster_id)
        pair.delete()
        if partner.pk == survivor.pk:
            continue
        verdict = pair_score(survivor, partner)
        if verdict.probability < POSSIBLE:
            continue
        a, b = pair_of(survivor.pk, partner.pk)
        DuplicatePair.objects.get_or_create(
            first_id=a,
            second_id=b,
            defaults={
                "cluster_id": pair.cluster_id,
                "probability": verdict.probability,
                "comparisons": comparisons_of(verdict),
            },
        )
    clusters_refresh(pk for pk in touched if pk is not None)


def clusters_refresh(cluster_ids: Iterable[int]) -> None:
    """Recompute the status, score and size of clusters from their open pairs."""
    for cluster in DuplicateCluster.objects.select_for_update().filter(pk__in=list(cluster_ids)):
        pairs = list(
            cluster.pairs.filter(status=PairStatus.OPEN).values_list(
                "first_id", "second_id", "probability"
            )
        )
        if pairs:
            cluster.status = ClusterStatus.OPEN
            cluster.score = max(p for _a, _b, p in pairs)
            cluster.size = len({a for a, _b, _p in pairs} | {b for _a, b, _p in pairs})
        else:
            cluster.status = ClusterStatus.CLOSED
        cluster.save(update_fields=["status", "score", "size", "updated_at"])


@transaction.atomic
def pair_mark_distinct(pair_id: int, *, by: User | None) -> DuplicatePair:
    """Record that the two persons of a pair are different people; return the pair.

    A distinct pair is never proposed again by `reliefline dedupe`.
    """
    pair = DuplicatePair.objects.select_for_update().filter(pk=pair_id).first()
    if pair is None:
        raise NotFound(_("No such pair."), field="pair_id")
    if pair.status == PairStatus.MERGED:
        raise Conflict(_("These records were merged; undo the merge first."), field="pair_id")
    pair.status = PairStatus.DISTINCT
    pair.decided_at = timezone.now()
    pair.decided_by = by
    pair.save(update_fields=["status", "decided_at", "decided_by"])
    if pair.cluster_id is not None:
        clusters_refresh([pair.cluster_id])
    return pair


def _undo_problems(merge: Merge, snapshot: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Return (field, problem) for everything that changed since the merge."""
    problems: list[tuple[str, str]] = []
    persons = _lock_persons(merge.survivor_id, merge.merged_id)
    for role, person in (
        ("survivor", persons[merge.survivor_id]),
        ("merged", persons[merge.merged_id]),
    ):
        if role == "survivor" and person.merged_into_id is not None:
            problems.append(
                (
                    "survivor",
                    _("P-%(id)s was merged into P-%(into)s since; undo that merge first.")
                    % {"id": person.pk, "into": person.merged_into_id},
                )
            )
            continue
        now = values_of(person)
        for attname, value in snapshot[f"{role}_after"].items():
            if now.get(attname) != value:
                problems.append((f"{role}.{attname}", _("changed since the merge")))
    households = _lock_households(*(int(pk) for pk in snapshot["households_after"]))
    for pk, after in snapshot["households_after"].items():
        household = households.get(int(pk))
        if household is None:
            problems.append((f"household.{pk}", _("no longer exists")))
        elif values_of(household) != after:
            problems.append((f"household.{pk}", _("changed since the merge")))
    for (label, field_name), rows in _moved_groups(merge.moved).items():
        model = _model(label)
        field = model._meta.get_field(field_name)
        current = dict(
            model._base_manager.select_for_update()
            .filter(pk__in=[row["pk"] for row in rows])
            .values_list("pk", field.attname)  # type: ignore[union-attr]
        )
        for row in rows:
            where = f"{label}.{field_name}"
            pk = model._meta.pk.to_python(row["pk"])
            if pk not in current:
                problems.append((where, _("row %(pk)s no longer exists") % {"pk": row["pk"]}))
            elif current[pk] != row["to"]:
                problems.append((where, _("row %(pk)s was changed since") % {"pk": row["pk"]}))
    return problems


def _moved_groups(moved: list[dict[str, Any]]) -> dict[tuple[str, str], list[dict[str, Any]]]:
    groups: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for row in moved:
        groups[(row["model"], row["field"])].append(row)
    return groups


def _model(label: str) -> type[models.Model]:
    from django.apps import apps

    return apps.get_model(label)


@transaction.atomic
def merge_undo(merge_id: int, *, by: User | None) -> Merge:
    """Put back every moved row and both records as they were; return the Merge.

    Raise MergeNotFound, Conflict when already undone, UndoRefused naming each field or
    row that changed since the merge (undo would silently overwrite that change).
    """
    merge = Merge.objects.select_for_update().filter(pk=merge_id).first()
    if merge is None:
        raise MergeNotFound()
    if merge.undone_at is not None:
        raise Conflict(_("This merge was undone already."), field="merge_id")
    snapshot = merge_snapshot(merge)
    if not snapshot:
        raise UndoRefused([("merge_id", _("retention purged these records; nothing to restore"))])
    problems = _undo_problems(merge, snapshot)
    if problems:
        raise UndoRefused(problems)
    for (label, field_name), rows in _moved_groups(merge.moved).items():
        model = _model(label)
        attname = model._meta.get_field(field_name).attname  # type: ignore[union-attr]
        by_source: dict[Any, list[Any]] = defaultdict(list)
        for row in rows:
            by_source[row["from"]].append(row["pk"])
        for source, pks in by_source.items():
            model._base_manager.filter(pk__in=pks).update(**{attname: source})
    households = Household.objects.in_bulk([int(pk) for pk in snapshot["households_before"]])
    for pk, before in snapshot["households_before"].items():
        household = households[int(pk)]
        _restore(household, before)
        household.save()
    # The survivor first: it may hold the external id the merged record gets back.
    for role, pk in (("survivor", merge.survivor_id), ("merged", merge.merged_id)):
        person = Person.objects.get(pk=pk)
        _restore(person, snapshot[f"{role}_before"])
        person.save()
    reopened = DuplicatePair.objects.filter(merge=merge)
    clusters = set(reopened.values_list("cluster_id", flat=True))
    reopened.update(status=PairStatus.OPEN, merge=None, decided_at=None, decided_by=None)
    clusters_refresh(pk for pk in clusters if pk is not None)
    merge.undone_at = timezone.now()
    merge.undone_by = by
    merge.save(update_fields=["undone_at", "undone_by"])
    audit_record(
        user=by,
        action=AuditAction.UPDATE,
        record=f"people.merge:{merge.pk}:undo",
        purpose=UNDO_PURPOSE,
        person_ids=(merge.survivor_id, merge.merged_id),
        fields=sorted(snapshot["survivor_before"]),
    )
    return merge


def merge_snapshot(merge: Merge) -> dict[str, Any]:
    """Return the decrypted before/after values of a merge; empty once retention purged."""
    if not merge.snapshot:
        return {}
    data: dict[str, Any] = json.loads(merge.snapshot)
    return data


def merges_forget(person_ids: Collection[int]) -> int:
    """Blank the values kept for undo by the merges of these purged persons; return how many.

    Such a merge can no longer be undone (merge_undo says so): the values are gone.
    """
    return (
        Merge.objects.filter(Q(survivor__in=person_ids) | Q(merged__in=person_ids))
        .exclude(snapshot="")
        .update(snapshot="")
    )
