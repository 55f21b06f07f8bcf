"""Reads of households and persons."""

import datetime as dt
from collections.abc import Collection, Iterable
from dataclasses import dataclass, replace

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from reliefline.access.crypto import blind_index_candidates
from reliefline.errors import InvalidInput
from reliefline.people.errors import InvalidPhone
from reliefline.people.matching import (
    Decision,
    Identity,
    KeyKind,
    Score,
    blocking_keys,
    prepare,
    score,
)
from reliefline.people.models import Household, Person, PersonKey
from reliefline.people.phones import phone_normalise
from reliefline.places.models import Place
from reliefline.places.selectors import place_search
from reliefline.translit import skeleton, yo_variants

MIN_NAME_KEY = 3


def person_lookup(
    *, phone: str = "", name: str = "", limit: int = 20, merged: bool = False
) -> QuerySet[Person]:
    """Return persons with exactly this phone or a name like this one in any script.

    The phone is matched through its blind index (it is encrypted at rest); the name
    through its script-independent skeleton, so «Ирина Верещук» finds "Iryna Vereshchuk".
    The records kept, or with `merged`, only those merged into another (not purged):
    the spellings and phones a merge put aside (merge_ends finds who they are now).
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
    which = (
        Q(merged_into__isnull=False, purged_at__isnull=True)
        if merged
        else Q(merged_into__isnull=True)
    )
    return (
        Person.objects.filter(condition, which)
        .select_related("household__settlement")
        .order_by("-created_at")[:limit]
    )


def household_holds(household_id: int, *, phone: str, family_name: str) -> bool | None:
    """Return whether the household holds someone with this phone or this family name
    (in any script); None when it holds nobody unpurged (an unknown household)."""
    members = Person.objects.filter(household_id=household_id, purged_at__isnull=True)
    if not members.exists():
        return None
    normalised = phone_normalise(phone) if phone else None
    if normalised and members.filter(phone_index__in=blind_index_candidates(normalised)).exists():
        return True
    family = skeleton(family_name.strip())
    return bool(family) and any(
        skeleton(known) == family or yo_variants(skeleton(known), family)
        for known in members.values_list("family_name", flat=True)
    )


def merged_together(model: type[Person] | type[Household], ids: Iterable[int]) -> set[int]:
    """Return these ids and those of every record merged with them, either way, chains included.

    A merge (people.merge) keeps the merged record, pointing `merged_into` at the one
    kept, and the kept one may be merged on in turn: each record's merges form a tree,
    and every record in it is the same person (or household). One query per step along
    the longest path; undone merges point nowhere and link nothing.
    """
    found = set(ids)
    step = set(found)
    while step:
        linked = model.objects.filter(Q(pk__in=step) | Q(merged_into__in=step)).values_list(
            "pk", "merged_into_id"
        )
        step = {pk for pair in linked for pk in pair if pk is not None} - found
        found |= step
    return found


def merge_ends(model: type[Person] | type[Household], ids: Collection[int]) -> dict[int, int]:
    """Return each id mapped to the record its merges end in (its own id when not merged).

    A merged record points `merged_into` at the one kept, which may be merged on in
    turn (A into B, then B into C: C); one query per step along the longest chain.
    """
    into: dict[int, int | None] = {}
    step = set(ids)
    while step:
        rows = dict(model.objects.filter(pk__in=step).values_list("pk", "merged_into_id"))
        into |= rows
        step = {pk for pk in rows.values() if pk is not None and pk not in into}
    ends = {}
    for pk in ids:
        end, seen = pk, {pk}
        while (following := into.get(end)) is not None and following not in seen:
            end = following
            seen.add(end)
        ends[pk] = end
    return ends


@dataclass(frozen=True)
class MatchQuery:
    """Who an operator or a channel is looking for, as typed; any subset of fields."""

    given_name: str = ""
    family_name: str = ""
    patronymic: str = ""
    birth_date: dt.date | None = None
    phone: str = ""
    settlement: str = ""


@dataclass(frozen=True)
class Candidate:
    """A registered person who may be the one asked about, and why."""

    person: Person
    score: Score

    @property
    def probability(self) -> float:
        return self.score.probability

    @property
    def decision(self) -> Decision:
        return self.score.decision

    @property
    def reasons(self) -> list[str]:
        return self.score.reasons


# Persons scored per query, those meeting the most blocking keys first; rows read per key.
CANDIDATE_POOL = 60
BLOCK_CAP = 500


def phone_slips(phone: str) -> list[str]:
    """Return the phone and every number one wrong or swapped digit away (country code kept).

    About a hundred blind indexes, so a slip of the finger still meets its record.
    """
    digits = phone.removeprefix("+")
    start = 3 if digits.startswith("380") else 1  # the country code is not mistyped
    found = [phone]
    for i in range(start, len(digits)):
        for d in "0123456789":
            if d != digits[i]:
                found.append("+" + digits[:i] + d + digits[i + 1 :])
        if i + 1 < len(digits) and digits[i] != digits[i + 1]:
            found.append("+" + digits[:i] + digits[i + 1] + digits[i] + digits[i + 2 :])
    return found


def _settlement_ids(text: str) -> frozenset[str]:
    text = text.strip()
    if not text:
        return frozenset()
    if Place.objects.filter(pk=text).exists():
        return frozenset({text})
    return frozenset(place.pk for place in place_search(text, limit=3))


def _identity(person: Person) -> Identity:
    """Return the identity of a person as _candidates fetched it.

    A field it left out (the phone, the settlement) was not asked about: it compares
    as missing, without a query to load it.
    """
    settlement = getattr(person, "match_settlement_id", None)
    return Identity(
        given_name=person.given_name,
        family_name=person.family_name,
        patronymic=person.patronymic,
        birth_date=person.birth_date,
        phone="" if "phone" in person.get_deferred_fields() else person.phone,
        settlement_ids=frozenset({settlement}) if settlement else frozenset(),
    )


# What a candidate is scored on and shown by; any other field loads when first read.
_CANDIDATE_FIELDS = (
    "id",
    "household_id",
    "given_name",
    "family_name",
    "patronymic",
    "birth_date",
    "external_id",
)


def _candidates(
    by_kind: dict[str, list[str]], *, slips: list[str], phone: bool, settlement: bool
) -> list[Person]:
    """Return the CANDIDATE_POOL persons with the most evidence from the blocks, in one query.

    Each block is the persons under one kind of blocking key, read up to BLOCK_CAP
    rows, so a very common key costs no more than a rare one. A person counts
    1 / (rows in the block) for each block they are in: sharing a birth date with 40
    persons says more than sharing a family name with 500, so the one record a phone
    or a birth date finds is never crowded out by a common family name's block (at
    1M persons, one holds ~9,000 keys). Ties go to the lower id. The phone's block
    also holds the persons whose phone is one of `slips` (the blind indexes of the
    numbers one digit off), but only when nobody has the phone as typed: most
    callers give their number right, and ~100 index probes then cost more than
    all the other blocks together.

    Blocks, weights, ranking and persons are one statement: at 1M persons, planning
    and sending a second query for the persons cost as much as finding them. The
    phone (decrypted for each candidate) and the household's settlement (as
    `match_settlement_id`, one more row to read per candidate) come only when the
    query has one to compare with.
    """
    keys, person, household = (
        PersonKey._meta.db_table,
        Person._meta.db_table,
        Household._meta.db_table,
    )
    blocks: list[str] = []
    params: list[str] = []
    for kind, values in sorted(by_kind.items()):
        where = f"kind = %s AND value IN ({', '.join(['%s'] * len(values))})"
        block = f"SELECT person_id FROM {keys} WHERE {where}"  # noqa: S608 -- names ours, values bound
        params.extend([kind, *values])
        if kind == KeyKind.PHONE and slips:
            # Uncorrelated, so evaluated once: the slips' probes run only on a miss.
            block += (
                f" UNION ALL SELECT person_id FROM {keys} WHERE kind = %s AND value IN "  # noqa: S608 -- names ours, values bound
                f"({', '.join(['%s'] * len(slips))}) "
                f"AND NOT EXISTS (SELECT 1 FROM {keys} WHERE {where})"
            )
            params.extend([kind, *slips, kind, *values])
        blocks.append(
            f"SELECT person_id, {len(blocks)} AS block FROM ({block} LIMIT {BLOCK_CAP}) "  # noqa: S608 -- names ours, values bound
            f"AS block_{len(blocks)}"
        )
    if not blocks:
        return []
    columns = [f"{person}.{name}" for name in (*_CANDIDATE_FIELDS, *(["phone"] if phone else []))]
    join = ""
    if settlement:
        columns.append(f"{household}.settlement_id AS match_settlement_id")
        join = f"LEFT JOIN {household} ON {household}.id = {person}.household_id "
    sql = (
        f"WITH hits AS ({' UNION ALL '.join(blocks)}), "  # noqa: S608 -- names ours, values bound
        "sizes AS (SELECT block, COUNT(*) AS n FROM hits GROUP BY block), "
        "pool AS (SELECT hits.person_id, SUM(1.0 / sizes.n) AS evidence "
        "FROM hits JOIN sizes ON sizes.block = hits.block GROUP BY hits.person_id "
        f"ORDER BY evidence DESC, hits.person_id LIMIT {CANDIDATE_POOL}) "
        f"SELECT {', '.join(columns)} FROM pool JOIN {person} ON {person}.id = pool.person_id "
        f"{join}WHERE {person}.purged_at IS NULL AND {person}.merged_into_id IS NULL"
    )
    return list(Person.objects.raw(sql, params))


def person_match(query: MatchQuery, *, limit: int = 5) -> list[Candidate]:
    """Return the registered persons who may be the one asked about, most likely first.

    Candidates come from the PersonKey index, never from a scan: family name, alone and
    with the given name, also by prefix and consonants; birth date and its day/month
    swap; given name with birth year or with patronymic; phone. Each is scored by
    people.matching.score. Only `match` and `possible` candidates are returned, and
    `match` only when one candidate alone is. Raise InvalidInput when there is neither
    a name nor a phone, or the phone is not one.
    """
    phone = ""
    if query.phone.strip():
        phone = phone_normalise(query.phone) or ""
        if not phone:
            raise InvalidPhone(field="phone", value=query.phone)
    if not phone and not skeleton(f"{query.given_name} {query.family_name}"):
        raise InvalidInput(_("Give a name or a phone."), field="family_name")
    identity = Identity(
        given_name=query.given_name,
        family_name=query.family_name,
        patronymic=query.patronymic,
        birth_date=query.birth_date,
        phone=phone,
        settlement_ids=_settlement_ids(query.settlement),
    )
    keys = prepare(identity, fix_keyboard=True)
    by_kind: dict[str, list[str]] = {}
    for kind, value in blocking_keys(keys, query=True):
        by_kind.setdefault(kind, []).append(value)
    slips: list[str] = []
    if phone:
        by_kind[KeyKind.PHONE] = blind_index_candidates(phone)
        slips = [
            index for variant in phone_slips(phone)[1:] for index in blind_index_candidates(variant)
        ]
    scored = [
        Candidate(person, score(identity, _identity(person), query_keys=keys))
        for person in _candidates(
            by_kind, slips=slips, phone=bool(phone), settlement=bool(identity.settlement_ids)
        )
    ]
    plausible = [c for c in scored if c.decision != Decision.NONE]
    plausible.sort(key=lambda c: (-c.probability, c.person.pk))
    if sum(c.decision == Decision.MATCH for c in plausible) > 1:
        # Two persons both "certain" (namesakes sharing a phone, no birth date given):
        # an automatic link would be a coin toss, so an operator decides.
        plausible = [
            Candidate(c.person, replace(c.score, decision=Decision.POSSIBLE)) for c in plausible
        ]
    return plausible[:limit]


def subject_export(person_id: int) -> dict[str, list[dict[str, object]]]:
    """Return the duplicate pairs and merges the person is in, for the data-subject export.

    The other person of a pair or merge appears by id only. A merge gives this person's
    own values before and after it (kept encrypted for undo, emptied by the purge),
    never the other record's.
    """
    from reliefline.people.merge import merge_snapshot
    from reliefline.people.models import DuplicatePair, Merge

    pairs = [
        {
            "other_person": pair.second_id if pair.first_id == person_id else pair.first_id,
            "probability": pair.probability,
            "comparisons": pair.comparisons,
            "status": pair.status,
            "found_at": pair.found_at.isoformat(),
            "decided_at": pair.decided_at.isoformat() if pair.decided_at else None,
            "merge": pair.merge_id,
        }
        for pair in DuplicatePair.objects.filter(
            Q(first_id=person_id) | Q(second_id=person_id)
        ).order_by("pk")
    ]
    merges = []
    for merge in Merge.objects.filter(Q(survivor_id=person_id) | Q(merged_id=person_id)).order_by(
        "pk"
    ):
        role = "survivor" if merge.survivor_id == person_id else "merged"
        snapshot = merge_snapshot(merge)
        merges.append(
            {
                "reference": str(merge),
                "role": role,
                "other_person": merge.merged_id if role == "survivor" else merge.survivor_id,
                "at": merge.at.isoformat(),
                "undone_at": merge.undone_at.isoformat() if merge.undone_at else None,
                "moved": merge.moved,
                "values_before": snapshot.get(f"{role}_before"),
                "values_after": snapshot.get(f"{role}_after"),
            }
        )
    return {"duplicate_pairs": pairs, "merges": merges}
