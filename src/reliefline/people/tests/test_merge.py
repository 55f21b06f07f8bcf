import datetime as dt
from typing import Any

import pytest
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.django import from_field

from reliefline.access.models import AuditEntry
from reliefline.errors import InvalidInput
from reliefline.hotline.models import Case
from reliefline.people.dedupe import dedupe_run
from reliefline.people.merge import (
    MergeRefused,
    MergeRequest,
    UndoRefused,
    _restore,
    merge_undo,
    person_merge,
    values_of,
)
from reliefline.people.models import DuplicateCluster, DuplicatePair, Household, Person, PersonKey
from reliefline.people.selectors import MatchQuery, person_match
from reliefline.people.tests.factories import HouseholdFactory, PersonFactory

pytestmark = pytest.mark.django_db


def case_of(person: Person) -> Case:
    return Case.objects.create(
        channel="sms",
        language="ru",
        caller=person,
        household=person.household,
        due_at=timezone.now(),
    )


def _state() -> dict[str, Any]:
    """Return every person, household and case as values, to compare before and after."""
    return {
        "persons": {p.pk: values_of(p) for p in Person.objects.all()},
        "households": {h.pk: values_of(h) for h in Household.objects.all()},
        "cases": sorted(Case.objects.values_list("pk", "caller_id", "household_id", "updated_at")),
        "keys": sorted(PersonKey.objects.values_list("person_id", "kind", "value")),
    }


@pytest.fixture
def twins() -> tuple[Person, Person]:
    russian = PersonFactory(given_name="Ирина", family_name="Верещук", external_id="kobo-1")
    latin = PersonFactory(
        given_name="Iryna",
        family_name="Vereshchuk",
        patronymic="",
        birth_date=None,
        phone="+380501234567",
        preferred_language="uk",
    )
    return russian, latin


def test_merge_moves_every_case_and_household_to_the_survivor(twins) -> None:
    russian, latin = twins
    mine, theirs = case_of(russian), case_of(latin)
    relative = PersonFactory(household=latin.household, given_name="Олег")
    merge = person_merge(MergeRequest(russian.pk, latin.pk, fields={}), by=None)
    theirs.refresh_from_db()
    relative.refresh_from_db()
    latin.refresh_from_db()
    assert (theirs.caller_id, theirs.household_id) == (russian.pk, russian.household_id)
    assert Case.objects.get(pk=mine.pk).caller_id == russian.pk
    assert relative.household_id == russian.household_id
    assert latin.merged_into_id == russian.pk
    folded = Household.objects.get(pk=latin.household_id)
    assert (merge.merged_household_id, folded.merged_into_id) == (folded.pk, russian.household_id)
    moved = {(row["model"], row["field"], row["pk"]) for row in merge.moved}
    assert moved == {
        ("hotline.case", "caller", theirs.pk),
        ("hotline.case", "household", theirs.pk),
        ("people.person", "household", relative.pk),
    }


def test_merged_person_leaves_the_index_and_the_match(twins) -> None:
    russian, latin = twins
    person_merge(MergeRequest(russian.pk, latin.pk, fields={}), by=None)
    assert not PersonKey.objects.filter(person=latin).exists()
    found = person_match(MatchQuery(given_name="Iryna", family_name="Vereshchuk"))
    assert [c.person.pk for c in found] == [russian.pk]


def test_fields_are_picked_from_either_record(twins) -> None:
    russian, latin = twins
    person_merge(
        MergeRequest(
            russian.pk, latin.pk, fields={"phone": latin.pk, "preferred_language": latin.pk}
        ),
        by=None,
    )
    russian.refresh_from_db()
    assert (russian.phone, russian.preferred_language) == ("+380501234567", "uk")
    assert (russian.given_name, russian.birth_date) == ("Ирина", dt.date(1979, 10, 30))


def test_empty_fields_of_the_survivor_take_the_merged_value_by_default(twins) -> None:
    russian, latin = twins
    person_merge(MergeRequest(latin.pk, russian.pk, fields={}), by=None)
    latin.refresh_from_db()
    russian.refresh_from_db()
    assert (latin.patronymic, latin.birth_date) == ("Николаевна", dt.date(1979, 10, 30))
    assert (latin.external_id, russian.external_id) == ("kobo-1", None)


def test_undo_restores_every_row_and_field_exactly(twins) -> None:
    russian, latin = twins
    case_of(russian)
    case_of(latin)
    PersonFactory(household=latin.household, given_name="Олег")
    earlier = PersonFactory(given_name="Ира", family_name="Верещук")
    person_merge(MergeRequest(latin.pk, earlier.pk, fields={}), by=None)
    before = _state()
    merge = person_merge(
        MergeRequest(
            russian.pk,
            latin.pk,
            fields={"phone": latin.pk, "external_id": russian.pk, "household": latin.pk},
        ),
        by=None,
    )
    assert _state() != before
    merge_undo(merge.pk, by=None)
    assert _state() == before
    merge.refresh_from_db()
    assert merge.undone_at is not None


def test_undo_is_refused_naming_the_field_changed_since(twins) -> None:
    russian, latin = twins
    merge = person_merge(MergeRequest(russian.pk, latin.pk, fields={}), by=None)
    russian.phone = "+79107654321"
    russian.save()
    with pytest.raises(UndoRefused, match=r"survivor\.phone: changed since the merge"):
        merge_undo(merge.pk, by=None)
    assert Person.objects.get(pk=latin.pk).merged_into_id == russian.pk


def test_undo_is_refused_when_a_moved_case_was_moved_again(twins) -> None:
    russian, latin = twins
    case = case_of(latin)
    merge = person_merge(MergeRequest(russian.pk, latin.pk, fields={}), by=None)
    Case.objects.filter(pk=case.pk).update(caller=PersonFactory())
    with pytest.raises(UndoRefused, match=rf"hotline\.case\.caller: row {case.pk} was changed"):
        merge_undo(merge.pk, by=None)


def test_undo_is_refused_while_the_survivor_is_merged_into_another(twins) -> None:
    russian, latin = twins
    first = person_merge(MergeRequest(russian.pk, latin.pk, fields={}), by=None)
    other = PersonFactory()
    person_merge(MergeRequest(other.pk, russian.pk, fields={}), by=None)
    with pytest.raises(UndoRefused, match="undo that merge first"):
        merge_undo(first.pk, by=None)


def test_a_merge_is_undone_once(twins) -> None:
    russian, latin = twins
    merge = person_merge(MergeRequest(russian.pk, latin.pk, fields={}), by=None)
    merge_undo(merge.pk, by=None)
    with pytest.raises(Exception, match="undone already"):
        merge_undo(merge.pk, by=None)


def test_a_merged_person_cannot_be_merged_again(twins) -> None:
    russian, latin = twins
    person_merge(MergeRequest(russian.pk, latin.pk, fields={}), by=None)
    with pytest.raises(MergeRefused, match="already merged"):
        person_merge(MergeRequest(PersonFactory().pk, latin.pk, fields={}), by=None)


@pytest.mark.parametrize(
    ("fields", "message"),
    [({"colour": 1}, "Unknown field"), ({"phone": 0}, "one of the two persons")],
)
def test_bad_picks_are_refused_and_nothing_changes(twins, fields, message) -> None:
    russian, latin = twins
    before = _state()
    with pytest.raises(InvalidInput, match=message):
        person_merge(MergeRequest(russian.pk, latin.pk, fields=fields), by=None)
    assert _state() == before


def test_a_survivor_without_name_or_phone_is_refused() -> None:
    named = PersonFactory(given_name="", family_name="Верещук", phone="")
    phoned = PersonFactory(given_name="", family_name="", phone="+79101110000")
    with pytest.raises(InvalidInput, match="needs a name or a phone"):
        person_merge(
            MergeRequest(named.pk, phoned.pk, fields={"family_name": phoned.pk, "phone": named.pk}),
            by=None,
        )


def test_merge_and_undo_are_audited(twins, user_in) -> None:
    russian, latin = twins
    coordinator = user_in("coordinator")
    merge = person_merge(
        MergeRequest(russian.pk, latin.pk, fields={"phone": latin.pk}), by=coordinator
    )
    merge_undo(merge.pk, by=coordinator)
    entries = AuditEntry.objects.filter(record__startswith="people.merge:").order_by("pk")
    assert [(e.record, e.username, e.person_ids) for e in entries] == [
        (f"people.merge:{merge.pk}", coordinator.username, sorted([russian.pk, latin.pk])),
        (f"people.merge:{merge.pk}:undo", coordinator.username, sorted([russian.pk, latin.pk])),
    ]
    assert "phone" in entries[0].fields


def test_the_snapshot_is_encrypted_at_rest(twins) -> None:
    from django.db import connection

    russian, latin = twins
    merge = person_merge(MergeRequest(russian.pk, latin.pk, fields={}), by=None)
    with connection.cursor() as cursor:
        cursor.execute("SELECT snapshot FROM people_merge WHERE id = %s", [merge.pk])
        stored = cursor.fetchone()[0]
    assert "380501234567" not in stored and "Iryna" not in stored


def test_merging_a_queued_pair_closes_it_and_undo_reopens_it(twins) -> None:
    russian, latin = twins
    latin.phone = russian.phone
    latin.save()
    dedupe_run()
    pair = DuplicatePair.objects.get()
    merge = person_merge(MergeRequest(russian.pk, latin.pk, fields={}), by=None)
    pair.refresh_from_db()
    assert (pair.status, pair.merge_id) == ("merged", merge.pk)
    assert DuplicateCluster.objects.get().status == "closed"
    merge_undo(merge.pk, by=None)
    pair.refresh_from_db()
    assert (pair.status, pair.merge_id) == ("open", None)
    assert DuplicateCluster.objects.get().status == "open"


def test_the_merged_persons_other_pairs_move_to_the_survivor() -> None:
    one = PersonFactory(given_name="Ирина", family_name="Верещук", phone="+79101112233")
    two = PersonFactory(given_name="Ірина", family_name="Верещук", phone="+79101112233")
    three = PersonFactory(given_name="Iryna", family_name="Vereshchuk", phone="+79101112233")
    dedupe_run()
    person_merge(MergeRequest(one.pk, two.pk, fields={}), by=None)
    open_pairs = set(DuplicatePair.objects.filter(status="open").values_list("first", "second"))
    assert open_pairs == {(one.pk, three.pk)}
    assert DuplicateCluster.objects.get().size == 2


names = st.text(max_size=100).filter(lambda s: "\x00" not in s)


@given(
    given_name=names,
    birth_date=st.one_of(st.none(), st.dates(dt.date(1900, 1, 1), dt.date(2026, 1, 1))),
    consent_at=st.one_of(st.none(), from_field(Person._meta.get_field("consent_at"))),
    language=st.sampled_from(["uk", "ru", "en"]),
)
def test_snapshot_values_round_trip(given_name, birth_date, consent_at, language) -> None:
    person = Person(
        given_name=given_name,
        birth_date=birth_date,
        consent_at=consent_at,
        preferred_language=language,
        household=HouseholdFactory.build(pk=7),
    )
    values = values_of(person)
    copy = Person()
    _restore(copy, values)
    assert values_of(copy) == values
    assert (copy.given_name, copy.birth_date, copy.household_id) == (given_name, birth_date, 7)


def test_purging_the_survivor_purges_the_merged_record_and_the_undo_values(twins) -> None:
    from reliefline.people.services import person_anonymise

    russian, latin = twins
    merge = person_merge(MergeRequest(russian.pk, latin.pk, fields={}), by=None)
    person_anonymise(Person.objects.get(pk=russian.pk), now=timezone.now())
    latin.refresh_from_db()
    merge.refresh_from_db()
    assert (latin.given_name, latin.phone, latin.purged_at is not None) == ("", "", True)
    assert merge.snapshot == ""
    with pytest.raises(UndoRefused, match="retention purged these records"):
        merge_undo(merge.pk, by=None)


def test_intake_refuses_a_merged_record_and_names_the_survivor(twins) -> None:
    from reliefline.hotline.services import CaseInput, case_open

    russian, latin = twins
    person_merge(MergeRequest(russian.pk, latin.pk, fields={}), by=None)
    cases_before = Case.objects.count()

    with pytest.raises(InvalidInput, match=f"merged into person {russian.pk}"):
        case_open(CaseInput(channel="sms", language="ru", person_id=latin.pk), by=None)

    assert Case.objects.count() == cases_before


def test_admin_lists_merges_and_pairs_by_id_without_names(twins, client_as) -> None:
    russian, latin = twins
    merge = person_merge(MergeRequest(russian.pk, latin.pk, fields={}), by=None)
    pair = DuplicatePair.objects.get(first=min(russian.pk, latin.pk))
    admin = client_as("admin")

    pages = [
        admin.get(f"/admin/people/merge/{merge.pk}/change/"),
        admin.get(f"/admin/people/duplicatepair/{pair.pk}/change/"),
        admin.get("/admin/people/merge/"),
        admin.get("/admin/people/duplicatepair/"),
        admin.get("/admin/people/duplicatecluster/"),
    ]

    assert [p.status_code for p in pages] == [200] * 5
    text = "".join(p.content.decode() for p in pages)
    assert str(russian.pk) in text
    assert "Ирина" not in text and "Iryna" not in text
