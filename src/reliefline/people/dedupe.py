"""Batch duplicate detection over the whole registry (`reliefline dedupe`).

Candidates come from the matching index (people.PersonKey), never from all pairs: two
persons are compared only when they share at least MIN_SHARED_KEYS blocking keys
(the same keys the intake match reads; a phone counts as one). Each candidate pair is
scored by people.matching.score; pairs at or above the threshold (`possible` by
default) are kept, and their connected components become DuplicateCluster rows in the
coordinators' review queue.

Re-running is safe: a pair is stored once (first < second), a pair a coordinator
decided (distinct or merged) is never proposed again, clusters keep their ids while
their pairs stay together, and pairs that no longer score are dropped from the queue.
"""

import sys
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext_noop

from reliefline.access.audit import audit_record
from reliefline.access.models import AuditAction
from reliefline.people.matching import POSSIBLE, Identity, KeyKind, Keys, Score, prepare, score
from reliefline.people.models import (
    ClusterStatus,
    DuplicateCluster,
    DuplicatePair,
    PairStatus,
    Person,
    PersonKey,
)

# Two keys in common: a transliterated name shares four, a typo in the family name
# still shares the birth date and given name + year; one key alone (a family name, a
# birth date) is what unrelated namesakes share. A phone counts twice (see _blocks).
MIN_SHARED_KEYS = 2
# A block this large (a very common family name) pairs thousands of strangers; the more
# specific keys (family + given name, given name + year) still meet the real duplicates.
BLOCK_CAP = 1000
# Candidates scored per person, those sharing the most keys first (as person_match).
CANDIDATE_POOL = 60
READ_CHUNK = 2000
DEDUPE_PURPOSE = gettext_noop("batch duplicate detection")
IDENTITY_FIELDS = ("given_name", "family_name", "patronymic", "birth_date", "phone", "household")

Progress = Callable[[str, int | None], Callable[[int], object]]


@dataclass(frozen=True)
class DedupeReport:
    """What a run did: persons examined, pairs compared, kept and written, clusters."""

    persons: int
    compared: int
    found: int
    new_pairs: int
    updated_pairs: int
    removed_pairs: int
    already_decided: int
    open_clusters: int
    new_clusters: int


@dataclass(frozen=True)
class Found:
    """A pair at or above the threshold, first < second."""

    first: int
    second: int
    probability: float
    comparisons: list[list[str]]


def _no_progress(label: str, total: int | None) -> Callable[[int], object]:
    return lambda n: None


Blocks = list[list[int]]
# Per person: (block number, the person's position in that sorted block).
Memberships = dict[int, list[tuple[int, int]]]


def _blocks(progress: Progress) -> tuple[Blocks, Memberships]:
    """Return the index's blocks (2..BLOCK_CAP persons, ids sorted) and each person's.

    Rows are read in (kind, value) order, so a block is complete when the key changes
    and only integers are kept in memory.
    """
    blocks: Blocks = []
    of_person: Memberships = defaultdict(list)
    step = progress("index", PersonKey.objects.count())

    def close(members: list[int], kind: str | None) -> None:
        if 2 <= len(members) <= BLOCK_CAP:
            members.sort()
            number = len(blocks)
            blocks.append(members)
            # A shared phone counts as two keys: alone it still makes a candidate
            # (a re-typed name with a typo in every part, the phone unchanged).
            times = 2 if kind == KeyKind.PHONE else 1
            for position, pk in enumerate(members):
                of_person[pk].extend([(number, position)] * times)

    current: tuple[str, str] | None = None
    members: list[int] = []
    count = 0
    rows = PersonKey.objects.order_by("kind", "value").values_list("kind", "value", "person_id")
    for count, (kind, value, person_id) in enumerate(rows.iterator(chunk_size=READ_CHUNK), 1):
        if (kind, value) != current:
            close(members, current[0] if current else None)
            current, members = (kind, value), []
        members.append(person_id)
        if count % READ_CHUNK == 0:
            step(READ_CHUNK)
    close(members, current[0] if current else None)
    step(count % READ_CHUNK)
    return blocks, of_person


def candidate_pairs(
    blocks: Blocks, of_person: Memberships, persons: Iterable[int]
) -> Iterator[tuple[int, int]]:
    """Yield (p, q), p < q, for each of the persons p and those sharing enough keys."""
    for pk in persons:
        shared: Counter[int] = Counter()
        for number, position in of_person.get(pk, ()):
            shared.update(blocks[number][position + 1 :])  # the ids after p: all > p
        hits = [(-count, other) for other, count in shared.items() if count >= MIN_SHARED_KEYS]
        if len(hits) > CANDIDATE_POOL:
            hits = sorted(hits)[:CANDIDATE_POOL]
        for _count, other in hits:
            yield pk, other


def _prepared(ids: set[int]) -> dict[int, tuple[Identity, Keys]]:
    """Return the identity and keys of every active person among the ids.

    Name keys are computed once per distinct spelling: registries repeat names a lot.
    """
    found: dict[int, tuple[Identity, Keys]] = {}
    names: dict[tuple[str, str, str], Keys] = {}
    ordered = sorted(ids)
    for start in range(0, len(ordered), READ_CHUNK):
        rows = Person.objects.filter(
            pk__in=ordered[start : start + READ_CHUNK],
            purged_at__isnull=True,
            merged_into__isnull=True,
        ).values_list(
            "pk",
            "given_name",
            "family_name",
            "patronymic",
            "birth_date",
            "phone",
            "household__settlement_id",
        )
        for pk, given, family, patronymic, birth_date, phone, settlement in rows:
            identity = Identity(
                given_name=given,
                family_name=family,
                patronymic=patronymic,
                birth_date=birth_date,
                phone=phone,
                settlement_ids=frozenset({settlement}) if settlement else frozenset(),
            )
            spelled = (given, family, patronymic)
            if spelled not in names:
                names[spelled] = prepare(Identity(given, family, patronymic))
            keys = replace(
                names[spelled],
                birth_date=birth_date,
                phone=phone,
                settlement_ids=identity.settlement_ids,
            )
            found[pk] = (identity, keys)
    return found


def comparisons_of(result: Score) -> list[list[str]]:
    """Return the scorer's [feature, level] pairs: what agreed, without the values."""
    return [[c.feature, c.level] for c in result.comparisons if c.feature != "layout"]


def find_duplicates(
    *, limit: int | None = None, threshold: float = POSSIBLE, progress: Progress = _no_progress
) -> tuple[list[Found], int, int, int]:
    """Return the pairs scoring at least `threshold`, persons examined, pairs compared,
    and the highest person id examined (with `limit`, only the first persons by id are
    examined, each against the whole registry).
    """
    blocks, of_person = _blocks(progress)
    active = Person.objects.filter(purged_at__isnull=True, merged_into__isnull=True)
    persons = list(active.order_by("pk").values_list("pk", flat=True)[:limit])
    # With a limit the run speaks only for pairs whose first person it examined.
    upto = persons[-1] if limit is not None and persons else sys.maxsize
    step = progress("candidates", len(persons))
    pairs: list[tuple[int, int]] = []
    for start in range(0, len(persons), READ_CHUNK):
        chunk = persons[start : start + READ_CHUNK]
        pairs.extend(candidate_pairs(blocks, of_person, chunk))
        step(len(chunk))
    del blocks, of_person
    prepared = _prepared({pk for pair in pairs for pk in pair})
    step = progress("scoring", len(pairs))
    found: list[Found] = []
    for done, (one, other) in enumerate(pairs, 1):
        if one in prepared and other in prepared:
            (a, a_keys), (b, b_keys) = prepared[one], prepared[other]
            result = score(a, b, query_keys=a_keys, record_keys=b_keys)
            if result.probability >= threshold:
                found.append(Found(one, other, result.probability, comparisons_of(result)))
        if done % 1000 == 0:
            step(1000)
    step(len(pairs) % 1000)
    return found, len(persons), len(pairs), upto


@transaction.atomic
def pairs_store(found: list[Found], *, upto: int) -> tuple[int, int, int, int]:
    """Write the found pairs to the queue; return new, updated, removed, already decided.

    Open pairs whose first person was examined (id <= upto) but were not found again
    no longer score (a record changed, was merged or purged) and leave the queue.
    """
    existing = {
        (first, second): (pk, status, probability)
        for pk, first, second, status, probability in DuplicatePair.objects.values_list(
            "pk", "first_id", "second_id", "status", "probability"
        )
    }
    new: list[DuplicatePair] = []
    changed: list[DuplicatePair] = []
    decided = 0
    seen: set[int] = set()
    for pair in found:
        known = existing.get((pair.first, pair.second))
        if known is None:
            new.append(
                DuplicatePair(
                    first_id=pair.first,
                    second_id=pair.second,
                    probability=pair.probability,
                    comparisons=pair.comparisons,
                )
            )
            continue
        pk, status, probability = known
        seen.add(pk)
        if status != PairStatus.OPEN:
            decided += 1
        elif abs(probability - pair.probability) > 1e-9:
            changed.append(
                DuplicatePair(pk=pk, probability=pair.probability, comparisons=pair.comparisons)
            )
    DuplicatePair.objects.bulk_create(new, batch_size=1000, ignore_conflicts=True)
    DuplicatePair.objects.bulk_update(changed, ["probability", "comparisons"], batch_size=1000)
    stale = [
        pk
        for (first, _second), (pk, status, _p) in existing.items()
        if status == PairStatus.OPEN and first <= upto and pk not in seen
    ]
    removed = 0
    for start in range(0, len(stale), 1000):
        removed += DuplicatePair.objects.filter(
            pk__in=stale[start : start + 1000], status=PairStatus.OPEN
        ).delete()[0]
    return len(new), len(changed), removed, decided


def _components(edges: list[tuple[int, int, int]]) -> list[list[int]]:
    """Return the pair ids of each connected component of (pair id, a, b) edges."""
    parent: dict[int, int] = {}

    def root(node: int) -> int:
        parent.setdefault(node, node)
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for _pk, a, b in edges:
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    groups: dict[int, list[int]] = defaultdict(list)
    for pk, a, _b in edges:
        groups[root(a)].append(pk)
    return sorted(groups.values(), key=min)


@transaction.atomic
def clusters_rebuild() -> tuple[int, int]:
    """Group the open pairs into clusters; return how many are open and how many are new.

    A component keeps the cluster most of its pairs were in already, so a rerun with no
    change rewrites nothing; a cluster left without open pairs closes (or goes, when it
    never had a decision).
    """
    rows = list(
        DuplicatePair.objects.select_for_update()
        .filter(status=PairStatus.OPEN)
        .values_list("pk", "first_id", "second_id", "cluster_id", "probability")
    )
    by_pk = {row[0]: row for row in rows}
    components = _components([(pk, a, b) for pk, a, b, _c, _p in rows])
    clusters = DuplicateCluster.objects.in_bulk({row[3] for row in rows if row[3] is not None})
    taken: set[int] = set()
    assignment: list[tuple[DuplicateCluster, list[int]]] = []
    created = 0
    for pair_ids in components:
        votes = Counter(by_pk[pk][3] for pk in pair_ids if by_pk[pk][3] not in (None, *taken))
        persons = {by_pk[pk][1] for pk in pair_ids} | {by_pk[pk][2] for pk in pair_ids}
        best = max(by_pk[pk][4] for pk in pair_ids)
        if votes:
            cluster = clusters[min(votes, key=lambda c: (-votes[c], c))]
            if (cluster.status, cluster.score, cluster.size) != ("open", best, len(persons)):
                cluster.status, cluster.score, cluster.size = ClusterStatus.OPEN, best, len(persons)
                cluster.save(update_fields=["status", "score", "size", "updated_at"])
        else:
            cluster = DuplicateCluster.objects.create(score=best, size=len(persons))
            created += 1
        taken.add(cluster.pk)
        assignment.append((cluster, pair_ids))
    moved = [
        DuplicatePair(pk=pk, cluster_id=cluster.pk)
        for cluster, pair_ids in assignment
        for pk in pair_ids
        if by_pk[pk][3] != cluster.pk
    ]
    DuplicatePair.objects.bulk_update(moved, ["cluster"], batch_size=1000)
    emptied = DuplicateCluster.objects.filter(status=ClusterStatus.OPEN).exclude(pk__in=taken)
    emptied.filter(pairs__isnull=True).delete()
    emptied.update(status=ClusterStatus.CLOSED)
    return len(assignment), created


def dedupe_run(
    *,
    limit: int | None = None,
    threshold: float = POSSIBLE,
    dry_run: bool = False,
    by: User | None = None,
    progress: Progress = _no_progress,
) -> DedupeReport:
    """Find likely duplicates across the registry and put them in the review queue.

    The pairs are stored in one transaction, told to `progress` as the stage "storing"
    before it starts and after it commits. The audit entry names `by` (None: a command).
    """
    found, persons, compared, upto = find_duplicates(
        limit=limit, threshold=threshold, progress=progress
    )
    new = updated = removed = decided = 0
    open_clusters = created = 0
    if not dry_run:
        step = progress("storing", len(found))
        with transaction.atomic():
            new, updated, removed, decided = pairs_store(found, upto=upto)
            open_clusters, created = clusters_rebuild()
            if found:
                audit_record(
                    user=by,
                    action=AuditAction.SEARCH,
                    record="people.person:dedupe",
                    purpose=DEDUPE_PURPOSE,
                    person_ids={pk for pair in found for pk in (pair.first, pair.second)},
                    fields=IDENTITY_FIELDS,
                )
        step(len(found))
    return DedupeReport(
        persons=persons,
        compared=compared,
        found=len(found),
        new_pairs=new,
        updated_pairs=updated,
        removed_pairs=removed,
        already_decided=decided,
        open_clusters=open_clusters,
        new_clusters=created,
    )


def pairs_drop_open(person_ids: Iterable[int]) -> int:
    """Drop the open pairs of these persons from the queue (they were merged or purged)."""
    ids = list(person_ids)
    return DuplicatePair.objects.filter(
        Q(first_id__in=ids) | Q(second_id__in=ids), status=PairStatus.OPEN
    ).delete()[0]
