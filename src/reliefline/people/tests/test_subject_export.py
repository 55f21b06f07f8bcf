"""The data-subject export holds the person's duplicate pairs and merges (hotline.subject)."""

import json

import pytest

from reliefline.hotline.subject import subject_export
from reliefline.people.dedupe import dedupe_run
from reliefline.people.merge import MergeRequest, person_merge
from reliefline.people.tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


def test_export_holds_the_pair_and_the_merge_with_the_persons_own_values(user_in) -> None:
    russian = PersonFactory(given_name="Ирина", family_name="Верещук", phone="+79101112233")
    latin = PersonFactory(given_name="Iryna", family_name="Vereshchuk", phone="+79101112233")
    dedupe_run()
    merge = person_merge(MergeRequest(russian.pk, latin.pk, fields={}), by=None)

    export = subject_export(latin.pk, by=user_in("dpo")).as_dict()

    (pair,) = export["duplicate_pairs"]
    assert (pair["other_person"], pair["status"], pair["merge"]) == (russian.pk, "merged", merge.pk)
    (merged,) = export["merges"]
    assert (merged["role"], merged["other_person"]) == ("merged", russian.pk)
    assert merged["values_before"]["given_name"] == "Iryna"
    assert merged["values_after"]["merged_into_id"] == russian.pk
    assert export["person"]["merged_into"] == russian.pk
    # The survivor's values are the survivor's: in their own export, not in this one.
    assert "Ирина" not in json.dumps(export, ensure_ascii=False)


def test_the_survivor_sees_the_merge_from_its_side(user_in) -> None:
    russian = PersonFactory(given_name="Ирина", family_name="Верещук")
    latin = PersonFactory(given_name="Iryna", family_name="Vereshchuk")
    person_merge(MergeRequest(russian.pk, latin.pk, fields={}), by=None)

    (merged,) = subject_export(russian.pk, by=user_in("dpo")).as_dict()["merges"]

    assert (merged["role"], merged["other_person"]) == ("survivor", latin.pk)
    assert merged["values_before"]["given_name"] == "Ирина"
