"""The retention purge commits batch by batch: the same result as one transaction, each
batch checking again what is still due, and a failed batch leaving the earlier ones."""

import datetime as dt
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.utils import timezone

from reliefline.access.models import AuditAction, AuditEntry
from reliefline.hotline.models import Case, Status
from reliefline.hotline.retention import PurgeReport, PurgeStopped, cases_purge, cases_purged
from reliefline.hotline.services import CaseInput, case_open, case_transition
from reliefline.hotline.tests.factories import open_case
from reliefline.hotline.tests.test_retention_registry import _registered
from reliefline.people.models import Person

Receiver = Callable[..., None]


def _closed(*, by: User, days_ago: int = 100, caller: Person | None = None) -> Case:
    """Return a case closed `days_ago` days ago, of a new caller or of `caller`."""
    if caller is None:
        case = open_case(message="We are at Lenina 5")
    else:
        case = case_open(CaseInput(channel="phone", language="ru", person_id=caller.pk), by=by)
    case = case_transition(case, to=Status.CLOSED, by=by)
    Case.objects.filter(pk=case.pk).update(closed_at=timezone.now() - dt.timedelta(days=days_ago))
    return case


def _caller(case: Case) -> Person:
    assert case.caller is not None
    return case.caller


def _purged(*persons: Person) -> set[int]:
    """Return which of these persons the purge anonymised."""
    ids = [person.pk for person in persons]
    return set(
        Person.objects.filter(pk__in=ids, purged_at__isnull=False).values_list("pk", flat=True)
    )


@pytest.fixture
def operator(user_in: Callable[[str], User]) -> User:
    return user_in("operator")


@pytest.fixture
def on_batch() -> Iterator[Callable[[Receiver], None]]:
    """Connect a receiver to cases_purged for the test, as another app's would be."""
    connected: list[Receiver] = []

    def connect(receiver: Receiver) -> None:
        cases_purged.connect(receiver, weak=False)
        connected.append(receiver)

    yield connect
    for receiver in connected:
        cases_purged.disconnect(receiver)


def _failing_from(batch: int) -> Receiver:
    """Return a receiver that raises from the `batch`th batch on (1 is the first)."""
    seen: list[PurgeReport] = []

    def receiver(sender: Any, *, report: PurgeReport, **kwargs: Any) -> None:
        seen.append(report)
        if len(seen) >= batch:
            raise RuntimeError("disk full")

    return receiver


@pytest.mark.parametrize("batch", [2, 1000])
def test_batches_purge_what_one_transaction_would(db: None, operator: User, batch: int) -> None:
    twice = _closed(by=operator)
    alone = _closed(by=operator)
    busy = _closed(by=operator)
    case_open(CaseInput(channel="phone", language="ru", person_id=_caller(busy).pk), by=operator)
    again = _closed(by=operator, caller=_caller(twice))
    recent = _closed(by=operator, days_ago=10)
    registry = [_registered("Natalia", "Sokolova", days_ago=days) for days in (100, 200, 300)]
    young = _registered("Serhii", "Maltsev", days_ago=10)
    member = _registered("Валентина", "Верещук", days_ago=400, household=busy.household)
    expected_persons = {_caller(twice).pk, _caller(alone).pk, *(p.pk for p in registry)}
    dry = cases_purge(days=90, dry_run=True)

    report = cases_purge(days=90, batch=batch)

    references = [str(case.reference) for case in (twice, alone, busy, again)]
    assert report.case_references == dry.case_references == references
    assert set(report.person_ids) == set(dry.person_ids) == expected_persons
    assert report.caseless_person_ids == dry.caseless_person_ids == [p.pk for p in registry]
    purged_cases = Case.objects.filter(purged_at__isnull=False).values_list("reference", flat=True)
    assert sorted(map(str, purged_cases)) == sorted(references)
    kept = (_caller(busy), _caller(recent), young, member)
    assert _purged(*kept, *registry, _caller(twice), _caller(alone)) == expected_persons
    assert Case.objects.get(pk=recent.pk).message == "We are at Lenina 5"


def test_each_batch_is_audited_and_reported_on_its_own(
    db: None, operator: User, on_batch: Callable[[Receiver], None]
) -> None:
    cases = [_closed(by=operator) for _ in range(3)]
    registered = _registered("Natalia", "Sokolova", days_ago=100)
    batches: list[tuple[list[str], list[int]]] = []
    on_batch(
        lambda sender, *, report, **kwargs: batches.append(
            (report.case_references, report.person_ids)
        )
    )

    cases_purge(days=90, batch=2)

    callers = [_caller(case).pk for case in cases]
    references = [str(case.reference) for case in cases]
    assert batches == [
        (references[:2], callers[:2]),
        (references[2:], callers[2:]),
        ([], [registered.pk]),
    ]
    entries = AuditEntry.objects.filter(action=AuditAction.PURGE).order_by("pk")
    assert [entry.person_ids for entry in entries] == [callers[:2], callers[2:], [registered.pk]]


def test_a_person_is_purged_only_with_the_batch_of_their_last_due_case(
    db: None, operator: User, on_batch: Callable[[Receiver], None]
) -> None:
    first = _closed(by=operator)
    person = _caller(first)
    second = _closed(by=operator, caller=person)
    seen: list[tuple[str, bool]] = []
    on_batch(
        lambda sender, *, report, **kwargs: seen.append(
            (report.case_references[0], bool(_purged(person)))
        )
    )

    report = cases_purge(days=90, batch=1)

    assert seen == [(str(first.reference), False), (str(second.reference), True)]
    assert report.person_ids == [person.pk]


def test_a_person_whose_second_case_is_not_due_is_kept(db: None, operator: User) -> None:
    old = _closed(by=operator)
    person = _caller(old)
    _closed(by=operator, days_ago=10, caller=person)
    registered = _registered("Natalia", "Sokolova", days_ago=100)

    report = cases_purge(days=90, batch=1)

    assert report.case_references == [str(old.reference)]
    assert report.person_ids == [registered.pk]
    assert _purged(person) == set()
    assert Person.objects.get(pk=person.pk).family_name == "Верещук"


def test_a_batch_keeps_a_person_given_a_case_since_the_listing(
    db: None, operator: User, on_batch: Callable[[Receiver], None]
) -> None:
    """A call taken while the purge runs gives a listed person a case: that batch keeps them."""
    first, second = _closed(by=operator), _closed(by=operator)
    registered = _registered("Natalia", "Sokolova", days_ago=100)
    calls: list[Case] = []

    def call_taken(sender: Any, *, report: PurgeReport, **kwargs: Any) -> None:
        for person in [] if calls else [_caller(second), registered]:
            data = CaseInput(channel="phone", language="ru", person_id=person.pk)
            calls.append(case_open(data, by=operator))

    on_batch(call_taken)

    report = cases_purge(days=90, batch=1)

    assert report.case_references == [str(first.reference), str(second.reference)]
    assert report.person_ids == [_caller(first).pk]
    assert _purged(_caller(second), registered) == set()


def test_a_failed_batch_leaves_the_earlier_ones_and_a_rerun_finishes(
    transactional_db: None, operator: User, on_batch: Callable[[Receiver], None]
) -> None:
    cases = [_closed(by=operator) for _ in range(3)]
    callers = [_caller(case) for case in cases]
    registry = [_registered("Natalia", "Sokolova", days_ago=100) for _ in range(2)]
    failing = _failing_from(2)
    on_batch(failing)

    with pytest.raises(PurgeStopped, match=r"after anonymising 2 cases and 2 persons") as stopped:
        cases_purge(days=90, batch=2)

    assert isinstance(stopped.value.__cause__, RuntimeError)
    assert stopped.value.done.case_references == [str(case.reference) for case in cases[:2]]
    purged = Case.objects.filter(purged_at__isnull=False).values_list("pk", flat=True)
    assert set(purged) == {cases[0].pk, cases[1].pk}
    assert _purged(*callers, *registry) == {callers[0].pk, callers[1].pk}
    assert Case.objects.get(pk=cases[2].pk).message == "We are at Lenina 5"
    cases_purged.disconnect(failing)

    report = cases_purge(days=90, batch=2)

    assert report.case_references == [str(cases[2].reference)]
    assert report.person_ids == [callers[2].pk, *(p.pk for p in registry)]
    assert _purged(*callers, *registry) == {p.pk for p in (*callers, *registry)}


def test_the_command_says_how_far_a_failed_purge_got(
    db: None, operator: User, on_batch: Callable[[Receiver], None], capsys: Any
) -> None:
    cases = [_closed(by=operator) for _ in range(3)]
    failing = _failing_from(2)
    on_batch(failing)
    done = "The purge stopped after anonymising 2 cases and 2 persons (RuntimeError: disk full)"

    with pytest.raises(CommandError, match=re.escape(f"{done}; run it again to finish.")):
        call_command("purge", "--batch", "2")

    cases_purged.disconnect(failing)
    call_command("purge", "--batch", "2")
    out = capsys.readouterr().out
    assert "Anonymised 1 case closed" in out and str(cases[2].reference) in out


@pytest.mark.parametrize(
    ("batch", "why"),
    [
        ("0", "from 1 to 5000 per batch, not 0"),
        ("-2", "from 1 to 5000 per batch, not -2"),
        ("5001", "from 1 to 5000 per batch, not 5001"),
        ("many", "not a whole number: 'many'"),
    ],
)
def test_purge_refuses_a_batch_that_is_no_whole_number_of_records(
    db: None, batch: str, why: str
) -> None:
    old = _registered("Natalia", "Sokolova", days_ago=100)

    with pytest.raises(CommandError, match=re.escape(f"argument --batch: {why}")):
        call_command("purge", "--batch", batch)

    assert Person.objects.get(pk=old.pk).purged_at is None
