import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from reliefline.access.models import AuditEntry
from reliefline.people.dedupe import dedupe_run
from reliefline.people.merge import MergeRequest, pair_mark_distinct, person_merge
from reliefline.people.models import DuplicateCluster, DuplicatePair, PairStatus, Person
from reliefline.people.tests.factories import PersonFactory

pytestmark = pytest.mark.django_db

BORN = dt.date(1979, 10, 30)


def _iryna_twice() -> tuple[Person, Person]:
    russian = PersonFactory(given_name="Ирина", family_name="Верещук", patronymic="Николаевна")
    latin = PersonFactory(
        given_name="Iryna", family_name="Vereshchuk", patronymic="", phone="", birth_date=BORN
    )
    return russian, latin


SYLLABLES = ("ко", "ва", "ль", "ми", "ро", "да", "те", "ну")
GIVEN = ("Олег", "Пётр", "Анна", "Мария", "Тарас", "Нина", "Роман")


def _stranger(n: int) -> Person:
    return PersonFactory(
        given_name=GIVEN[n % len(GIVEN)],
        family_name=f"{SYLLABLES[n % 8]}{SYLLABLES[n // 8 % 8]}{SYLLABLES[n // 64 % 8]}енко",
        patronymic="",
        birth_date=dt.date(1940, 1, 1) + dt.timedelta(days=397 * n),
    )


def test_dedupe_queues_the_same_person_typed_in_two_scripts() -> None:
    russian, latin = _iryna_twice()
    _stranger(1)
    report = dedupe_run()
    pair = DuplicatePair.objects.get()
    assert (pair.first_id, pair.second_id) == (russian.pk, latin.pk)
    assert pair.status == PairStatus.OPEN
    assert ["family", "equal"] in pair.comparisons
    cluster = DuplicateCluster.objects.get()
    assert (cluster.size, cluster.status, pair.cluster_id) == (2, "open", cluster.pk)
    assert report.new_pairs == 1 and report.new_clusters == 1


def test_rerunning_dedupe_adds_nothing_and_keeps_the_cluster() -> None:
    _iryna_twice()
    dedupe_run()
    before = list(DuplicatePair.objects.values_list("pk", "cluster_id"))
    report = dedupe_run()
    assert list(DuplicatePair.objects.values_list("pk", "cluster_id")) == before
    assert DuplicateCluster.objects.count() == 1
    assert (report.new_pairs, report.new_clusters, report.found) == (0, 0, 1)


def test_a_pair_marked_distinct_is_not_proposed_again() -> None:
    _iryna_twice()
    dedupe_run()
    pair_mark_distinct(DuplicatePair.objects.get().pk, by=None)
    report = dedupe_run()
    assert list(DuplicatePair.objects.values_list("status", flat=True)) == ["distinct"]
    assert report.already_decided == 1 and report.open_clusters == 0
    assert DuplicateCluster.objects.get().status == "closed"


def test_merged_persons_leave_the_queue_and_are_not_proposed_again() -> None:
    russian, latin = _iryna_twice()
    third = PersonFactory(given_name="Ірина", family_name="Верещук", patronymic="Миколаївна")
    dedupe_run()
    assert DuplicatePair.objects.filter(status="open").count() == 3
    person_merge(MergeRequest(survivor_id=russian.pk, merged_id=third.pk, fields={}), by=None)
    dedupe_run()
    open_pairs = set(DuplicatePair.objects.filter(status="open").values_list("first", "second"))
    assert open_pairs == {(russian.pk, latin.pk)}


def test_pairs_linked_through_a_person_form_one_cluster() -> None:
    one = PersonFactory(given_name="Ирина", family_name="Верещук", phone="+79101112233")
    two = PersonFactory(given_name="Ірина", family_name="Верещук", phone="+79101112233")
    three = PersonFactory(given_name="Iryna", family_name="Vereshchuk", phone="+79101112233")
    dedupe_run()
    cluster = DuplicateCluster.objects.get()
    members = {p for pair in cluster.pairs.values_list("first", "second") for p in pair}
    assert members == {one.pk, two.pk, three.pk} and cluster.size == 3


def test_dedupe_compares_only_persons_sharing_keys_never_all_pairs() -> None:
    _iryna_twice()
    for n in range(40):
        _stranger(n)
    report = dedupe_run()
    assert report.persons == 42
    assert report.compared < 42 * 41 // 2 // 10
    assert report.found == 1


def test_a_higher_threshold_queues_fewer_pairs() -> None:
    PersonFactory(given_name="Ирина", family_name="Верещук", phone="+79101112233")
    PersonFactory(given_name="Ирина", family_name="Верещук", phone="+79101112233", birth_date=None)
    assert dedupe_run(dry_run=True).found == 1
    assert dedupe_run(threshold=0.999999, dry_run=True).found == 0
    assert DuplicatePair.objects.count() == 0


def test_limit_examines_only_the_first_persons_against_everyone() -> None:
    russian, _latin = _iryna_twice()
    late = PersonFactory(given_name="Олег", family_name="Петренко", phone="+79105550001")
    PersonFactory(given_name="Oleh", family_name="Petrenko", phone="+79105550001")
    report = dedupe_run(limit=1)
    assert report.persons == 1
    assert list(DuplicatePair.objects.values_list("first", flat=True)) == [russian.pk]
    assert not DuplicatePair.objects.filter(first=late).exists()


def test_a_pair_that_no_longer_scores_leaves_the_queue() -> None:
    _russian, latin = _iryna_twice()
    dedupe_run()
    latin.given_name, latin.family_name, latin.birth_date = "Petro", "Shevchuk", dt.date(1990, 1, 1)
    latin.save()
    report = dedupe_run()
    assert report.removed_pairs == 1
    assert not DuplicatePair.objects.exists() and not DuplicateCluster.objects.exists()


def test_dedupe_run_is_audited_with_the_persons_it_queued() -> None:
    russian, latin = _iryna_twice()
    dedupe_run()
    entry = AuditEntry.objects.get(record="people.person:dedupe")
    assert entry.person_ids == [russian.pk, latin.pk]


def test_dedupe_command_reports_and_shows_progress() -> None:
    _iryna_twice()
    out, err = StringIO(), StringIO()
    call_command("dedupe", stdout=out, stderr=err)
    assert "Queued 1 new pairs" in out.getvalue()
    assert "scoring" in err.getvalue() and "100%" in err.getvalue()
    assert DuplicatePair.objects.count() == 1


def test_dedupe_command_dry_run_writes_nothing() -> None:
    _iryna_twice()
    out = StringIO()
    call_command("dedupe", "--dry-run", stdout=out, stderr=StringIO())
    assert "1 at or above" in out.getvalue() and "nothing written" in out.getvalue()
    assert not DuplicatePair.objects.exists()


@pytest.mark.parametrize("args", [["--limit", "0"], ["--threshold", "2"], ["--threshold", "x"]])
def test_dedupe_command_refuses_bad_options(args: list[str]) -> None:
    with pytest.raises((CommandError, SystemExit)):
        call_command("dedupe", *args, stdout=StringIO(), stderr=StringIO())


def test_a_shared_phone_alone_makes_a_candidate() -> None:
    one = PersonFactory(
        given_name="Ирина", family_name="Верещук", phone="+79101112233", birth_date=None
    )
    two = PersonFactory(
        given_name="Irena", family_name="Vereszczuk", phone="+79101112233", birth_date=None
    )
    dedupe_run()
    assert list(DuplicatePair.objects.values_list("first", "second")) == [(one.pk, two.pk)]


@pytest.mark.parametrize(("value", "said"), [("2", "at most 1, not 2"), ("half", "not a number")])
def test_a_threshold_that_is_no_probability_is_refused_by_name(value: str, said: str) -> None:
    with pytest.raises(CommandError, match=said):
        call_command("dedupe", "--threshold", value)
