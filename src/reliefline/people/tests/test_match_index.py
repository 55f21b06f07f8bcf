import datetime as dt

import pytest
from django.db import connection

from reliefline.errors import InvalidInput
from reliefline.people.errors import InvalidPhone
from reliefline.people.matching import Decision, KeyKind
from reliefline.people.models import Person, PersonKey
from reliefline.people.selectors import MatchQuery, person_match, phone_slips
from reliefline.people.services import PersonInput, people_reindex, person_update
from reliefline.people.tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


def test_saving_a_person_writes_its_blocking_keys() -> None:
    person = PersonFactory(family_name="Верещук", birth_date=dt.date(1979, 10, 30))
    kinds = dict(PersonKey.objects.filter(person=person).values_list("kind", "value"))
    assert kinds[KeyKind.FAMILY] == "верещук"
    assert kinds[KeyKind.BIRTH_DATE] == "1979-10-30"
    assert kinds[KeyKind.PHONE] == person.phone_index


def test_updating_a_person_replaces_the_old_keys() -> None:
    person = PersonFactory(family_name="Верещук")
    person_update(person, PersonInput(given_name="Ирина", family_name="Коваленко"))
    families = set(
        PersonKey.objects.filter(person=person, kind=KeyKind.FAMILY).values_list("value", flat=True)
    )
    assert families == {"коваленко"}


def test_reindex_rebuilds_lost_keys() -> None:
    person = PersonFactory()
    PersonKey.objects.all().delete()
    assert people_reindex() == 1
    assert PersonKey.objects.filter(person=person, kind=KeyKind.FAMILY).exists()


def test_repeat_caller_typed_in_latin_is_found_by_phone() -> None:
    person = PersonFactory(phone="+79101234567")
    PersonFactory(given_name="Ольга", family_name="Коваленко")
    found = person_match(
        MatchQuery(given_name="Iryna", family_name="Vereshchuk", phone="8 910 123-45-67")
    )
    assert [c.person for c in found] == [person]
    assert found[0].decision == Decision.MATCH


def test_repeat_caller_with_swapped_birth_date_is_proposed() -> None:
    person = PersonFactory(birth_date=dt.date(1979, 3, 10))
    found = person_match(
        MatchQuery(given_name="Irina", family_name="Vereshchuk", birth_date=dt.date(1979, 10, 3))
    )
    assert found[0].person == person
    assert "birth date day/month swapped" in found[0].reasons


def test_candidate_found_by_name_still_reads_its_phone_and_household() -> None:
    person = PersonFactory(phone="+79101234567")
    [found] = person_match(MatchQuery(given_name="Ирина", family_name="Верещук"))
    assert found.person.phone == "+79101234567"
    assert found.person.household == person.household
    assert not any("phone" in reason for reason in found.reasons)


def test_an_unknown_caller_gets_no_candidate() -> None:
    PersonFactory()
    assert person_match(MatchQuery(given_name="Павел", family_name="Шевченко")) == []


def test_a_purged_person_is_never_proposed() -> None:
    person = PersonFactory(phone="+79101234567")
    person.purged_at = person.created_at
    person.save()
    assert not PersonKey.objects.filter(person=person).exists()
    assert person_match(MatchQuery(phone="+79101234567")) == []


def test_query_without_name_or_phone_is_refused() -> None:
    with pytest.raises(InvalidInput, match="name or a phone"):
        person_match(MatchQuery(patronymic="Николаевна"))


def test_query_with_a_bad_phone_is_refused() -> None:
    with pytest.raises(InvalidPhone, match="not a valid phone"):
        person_match(MatchQuery(phone="12"))


def test_limit_caps_the_candidates() -> None:
    for n in range(4):
        PersonFactory(birth_date=dt.date(1979, 10, 30), phone=f"+7910000000{n}")
    assert len(person_match(MatchQuery(given_name="Ирина", family_name="Верещук"), limit=2)) == 2


def test_two_certain_candidates_are_both_left_to_the_operator() -> None:
    # Mother and daughter with the same names and phone; the caller gave no birth date.
    PersonFactory(phone="+79101234567", birth_date=dt.date(1950, 1, 1))
    PersonFactory(phone="+79101234567", birth_date=dt.date(1979, 10, 30))
    found = person_match(
        MatchQuery(given_name="Ирина", family_name="Верещук", phone="+79101234567")
    )
    assert [c.decision for c in found] == [Decision.POSSIBLE, Decision.POSSIBLE]


def test_phone_slips_cover_one_wrong_and_one_swapped_digit() -> None:
    slips = phone_slips("+79101234567")
    assert "+79101234568" in slips
    assert "+79102134567" in slips
    assert "+89101234567" not in slips  # the country code is kept


def test_caller_with_a_slipped_phone_and_no_birth_date_is_found() -> None:
    person = PersonFactory(phone="+79101234567")
    found = person_match(
        MatchQuery(given_name="Irina", family_name="Vereshchuk", phone="+79101234576")
    )
    assert found[0].person == person
    assert "phone one digit off" in found[0].reasons


def test_matching_index_tables_carry_no_index_that_another_covers() -> None:
    with connection.cursor() as cursor:
        keys = connection.introspection.get_constraints(cursor, PersonKey._meta.db_table)
        persons = connection.introspection.get_constraints(cursor, Person._meta.db_table)
    indexed = [c["columns"] for c in keys.values() if c["index"] or c["unique"]]
    assert ["person_id"] not in indexed  # personkey_unique starts with person_id
    assert ["person_id", "kind", "value"] in indexed
    assert sum(c["columns"] == ["phone_index"] for c in persons.values()) == 1
    assert sum(c["columns"] == ["name_key"] for c in persons.values()) == 1
