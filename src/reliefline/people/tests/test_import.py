import csv
import datetime as dt
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from hypothesis import given, settings
from hypothesis import strategies as st

from reliefline.access.crypto import blind_index
from reliefline.access.models import AuditEntry
from reliefline.access.tests.factories import UserFactory
from reliefline.errors import InvalidInput
from reliefline.people.importing import (
    COLUMNS,
    KEY_INDEX,
    ImportRow,
    RowRejected,
    RowRules,
    birth_date_parse,
    people_import_csv,
    row_parse,
)
from reliefline.people.models import Person, PersonKey
from reliefline.people.services import person_anonymise

KURSK = "geonames:538560"  # Курск / Курськ / Kursk
SUDZHA = "geonames-postal:RU-307800"
KORENEVO = "geonames-postal:RU-307410"  # Коренево, no Ukrainian name in the gazetteer
IRYNA = {
    "external_id": "reg-1",
    "given_name": "Ирина",
    "family_name": "Верещук",
    "patronymic": "Николаевна",
    "birth_date": "1979-10-30",
    "phone": "8 (910) 123-45-67",
    "settlement": "Суджа",
}


def write_csv(path: Path, rows: list[dict[str, str]], *, header: tuple[str, ...] = COLUMNS) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.DictWriter(handle, fieldnames=header, extrasaction="ignore")
        out.writeheader()
        out.writerows(rows)
    return path


def rejected_rows(path: Path) -> list[dict[str, str]]:
    rejected = path.with_name(path.stem + ".rejected.csv")
    # The rejected rows keep the bytes of the input, even those that are not UTF-8.
    with rejected.open(encoding="utf-8", errors="surrogateescape") as handle:
        return list(csv.DictReader(handle))


def person(external_id: str) -> Person:
    return Person.objects.select_related("household").get(external_id=external_id)


def keys(p: Person) -> set[tuple[str, str]]:
    return set(PersonKey.objects.filter(person=p).values_list("kind", "value"))


pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("method", ["raw", "orm"])
def test_import_stores_the_person_as_intake_would(
    gazetteer: None, tmp_path: Path, method: str
) -> None:
    path = write_csv(tmp_path / "people.csv", [IRYNA])
    result = people_import_csv(path, jobs=1, method=method)
    assert (result.created, result.updated, result.rejected) == (1, 0, 0)
    p = person("reg-1")
    assert (p.given_name, p.family_name, p.patronymic) == ("Ирина", "Верещук", "Николаевна")
    assert p.birth_date == dt.date(1979, 10, 30)
    assert p.phone == "+79101234567"
    assert p.phone_index == blind_index("+79101234567")
    assert p.household is not None and p.household.settlement_id == SUDZHA
    assert p.legal_basis == "public_interest" and p.consent_method == "not_obtained"
    # The matching index is exactly what Person.save would have written.
    assert keys(p) == PersonKey.keys_of(p)
    with connection.cursor() as cursor:
        cursor.execute("SELECT phone FROM people_person WHERE id = %s", [p.pk])
        stored = cursor.fetchone()[0]
    assert stored.startswith("v1:") and "7910" not in stored


def test_imported_name_and_phone_keys_are_what_saving_derives(
    gazetteer: None, tmp_path: Path
) -> None:
    people_import_csv(write_csv(tmp_path / "people.csv", [IRYNA]), jobs=1)
    p = person("reg-1")
    stored = (p.name_key, p.phone_index)
    p.derive_keys()
    assert (p.name_key, p.phone_index) == stored


def key_indexes() -> set[str]:
    with connection.cursor() as cursor:
        return set(connection.introspection.get_constraints(cursor, PersonKey._meta.db_table))


# Outside a test transaction, as the command runs.
@pytest.mark.django_db(transaction=True)
def test_first_import_builds_the_lookup_index_once_after_the_rows(
    gazetteer: None, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "people.csv", [IRYNA])
    during: list[bool] = []
    people_import_csv(path, jobs=1, progress=lambda _n: during.append(KEY_INDEX in key_indexes()))
    assert during == [False]
    assert KEY_INDEX in key_indexes()


def test_import_into_a_filled_registry_keeps_the_lookup_index(
    gazetteer: None, tmp_path: Path
) -> None:
    people_import_csv(write_csv(tmp_path / "a.csv", [IRYNA]), jobs=1)
    path = write_csv(tmp_path / "b.csv", [{**IRYNA, "external_id": "reg-2"}])
    during: list[bool] = []
    people_import_csv(path, jobs=1, progress=lambda _n: during.append(KEY_INDEX in key_indexes()))
    assert during == [True]


# Outside a test transaction, as the command runs.
@pytest.mark.django_db(transaction=True)
def test_import_first_rebuilds_a_lookup_index_a_killed_import_left_out(
    gazetteer: None, tmp_path: Path
) -> None:
    people_import_csv(write_csv(tmp_path / "a.csv", [IRYNA]), jobs=1)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP INDEX {KEY_INDEX}")
    path = write_csv(tmp_path / "b.csv", [{**IRYNA, "external_id": "reg-2"}])
    during: list[bool] = []
    people_import_csv(path, jobs=1, progress=lambda _n: during.append(KEY_INDEX in key_indexes()))
    assert during == [True]


def test_reimport_updates_and_never_duplicates(gazetteer: None, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "people.csv", [IRYNA, {**IRYNA, "external_id": "reg-2"}])
    people_import_csv(path, jobs=1)
    first = person("reg-1")
    old_keys = keys(first)
    changed = {**IRYNA, "family_name": "Коваленко", "phone": "+380671234567"}
    write_csv(path, [changed, {**IRYNA, "external_id": "reg-2"}])
    result = people_import_csv(path, jobs=1)
    assert (result.created, result.updated, result.rejected) == (0, 2, 0)
    assert Person.objects.count() == 2
    again = person("reg-1")
    assert again.pk == first.pk and again.household_id == first.household_id
    assert (again.family_name, again.phone) == ("Коваленко", "+380671234567")
    assert keys(again) == PersonKey.keys_of(again) != old_keys


def test_reimport_moves_the_household_and_keeps_it_when_settlement_empty(
    gazetteer: None, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "people.csv", [IRYNA])
    people_import_csv(path, jobs=1)
    write_csv(path, [{**IRYNA, "settlement": "Kursk"}])
    people_import_csv(path, jobs=1)
    assert person("reg-1").household.settlement_id == KURSK  # type: ignore[union-attr]
    write_csv(path, [{**IRYNA, "settlement": ""}])
    people_import_csv(path, jobs=1)
    assert person("reg-1").household.settlement_id == KURSK  # type: ignore[union-attr]


def test_reimport_gives_a_settlement_to_a_person_without_household(
    gazetteer: None, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "people.csv", [{**IRYNA, "settlement": ""}])
    people_import_csv(path, jobs=1)
    assert person("reg-1").household is None
    write_csv(path, [IRYNA])
    people_import_csv(path, jobs=1)
    assert person("reg-1").household.settlement_id == SUDZHA  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("settlement", "place"),
    [
        ("Курск", KURSK),
        ("Курськ", KURSK),
        ("Kursk", KURSK),
        ("kursk ", KURSK),
        (SUDZHA, SUDZHA),
        # As place search reads a name: its kind before it, a district after, a háček,
        # a Ukrainian spelling of a Russian village the gazetteer names only in Russian.
        ("г. Суджа", SUDZHA),
        ("Суджа, Курська обл.", SUDZHA),
        ("Sudža", SUDZHA),
        ("Кореневе", KORENEVO),
    ],
)
def test_settlement_in_any_script_or_by_id(
    gazetteer: None, tmp_path: Path, settlement: str, place: str
) -> None:
    path = write_csv(tmp_path / "people.csv", [{**IRYNA, "settlement": settlement}])
    people_import_csv(path, jobs=1)
    assert person("reg-1").household.settlement_id == place  # type: ignore[union-attr]


def test_empty_fields_are_allowed(gazetteer: None, tmp_path: Path) -> None:
    row = dict.fromkeys(COLUMNS, "") | {"external_id": "reg-9", "family_name": "Верещук"}
    path = write_csv(tmp_path / "people.csv", [row])
    result = people_import_csv(path, jobs=1)
    assert result.created == 1
    p = person("reg-9")
    assert (p.given_name, p.birth_date, p.phone, p.household) == ("", None, "", None)
    assert keys(p) == PersonKey.keys_of(p)


def test_rejected_rows_are_written_with_line_field_and_reason(
    gazetteer: None, tmp_path: Path
) -> None:
    rows = [
        {**IRYNA, "external_id": "ok-1"},
        {**IRYNA, "external_id": "bad-date", "birth_date": "31.02.1980"},
        {**IRYNA, "external_id": "bad-phone", "phone": "12345"},
        {**IRYNA, "external_id": "future", "birth_date": "2999-01-01"},
        {**IRYNA, "external_id": "nowhere", "settlement": "Атлантида"},
        {**IRYNA, "external_id": "two-places", "settlement": "Mykolaivka"},
        {**dict.fromkeys(COLUMNS, ""), "external_id": "nobody"},
        {**IRYNA, "external_id": ""},
        {**IRYNA, "external_id": "ok-2", "birth_date": "30.10.1979"},
    ]
    path = write_csv(tmp_path / "people.csv", rows)
    result = people_import_csv(path, jobs=1)
    assert (result.created, result.rejected) == (2, 7)
    assert set(Person.objects.values_list("external_id", flat=True)) == {"ok-1", "ok-2"}
    assert person("ok-2").birth_date == dt.date(1979, 10, 30)
    rejected = rejected_rows(path)
    assert [(r["line"], r["external_id"], r["field"]) for r in rejected] == [
        ("3", "bad-date", "birth_date"),
        ("4", "bad-phone", "phone"),
        ("5", "future", "birth_date"),
        ("6", "nowhere", "settlement"),
        ("7", "two-places", "settlement"),
        ("8", "nobody", ""),
        ("9", "", "external_id"),
    ]
    assert rejected[0]["birth_date"] == "31.02.1980"  # the row as it was in the file
    assert "not a date" in rejected[0]["reason"]
    assert "not a valid phone number" in rejected[1]["reason"]
    assert "impossible" in rejected[2]["reason"]
    assert "No settlement Атлантида" in rejected[3]["reason"]
    assert "give the place id" in rejected[4]["reason"]
    assert "phone or name" in rejected[5]["reason"]


def test_repeated_external_id_keeps_the_later_row(gazetteer: None, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "people.csv", [IRYNA, {**IRYNA, "given_name": "Ірина"}])
    result = people_import_csv(path, jobs=1)
    assert (result.created, result.rejected) == (1, 1)
    assert person("reg-1").given_name == "Ірина"
    assert rejected_rows(path)[0]["line"] == "2"


def test_undecodable_bytes_and_wrong_widths_reject_their_row_only(
    gazetteer: None, tmp_path: Path
) -> None:
    path = tmp_path / "people.csv"
    lines = [
        ",".join(COLUMNS),
        "r1,Ирина,Верещук,,,,",
        "r2,\xff\xfe,Верещук,,,,",
        "r3,Ирина,Верещук",
        "r4,Ирина,Верещук,,,,,extra",
        "",
        "r5,Олена,Верещук,,,,",
    ]
    path.write_bytes(
        "\n".join(lines).replace("\xff\xfe", "@@").encode().replace(b"@@", b"\xff\xfe")
    )
    result = people_import_csv(path, jobs=1)
    assert set(Person.objects.values_list("external_id", flat=True)) == {"r1", "r5"}
    assert result.rejected == 3
    assert [(r["line"], r["field"]) for r in rejected_rows(path)] == [
        ("3", "given_name"),
        ("4", ""),
        ("5", ""),
    ]


def test_missing_column_stores_nothing(gazetteer: None, tmp_path: Path) -> None:
    header = tuple(c for c in COLUMNS if c != "phone")
    path = write_csv(tmp_path / "people.csv", [IRYNA], header=header)
    with pytest.raises(InvalidInput, match="Missing columns: phone"):
        people_import_csv(path, jobs=1)
    assert not Person.objects.exists()


def test_purged_person_is_not_imported_again(gazetteer: None, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "people.csv", [IRYNA])
    people_import_csv(path, jobs=1)
    person_anonymise(person("reg-1"), now=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    result = people_import_csv(path, jobs=1)
    assert (result.updated, result.rejected) == (0, 1)
    assert person("reg-1").given_name == ""
    assert "purged" in rejected_rows(path)[0]["reason"]


def test_one_audit_entry_per_import(gazetteer: None, tmp_path: Path) -> None:
    by = UserFactory(role="coordinator")
    rows = [{**IRYNA, "external_id": f"reg-{n}"} for n in range(5)]
    path = write_csv(
        tmp_path / "registry.csv", [*rows, {**IRYNA, "external_id": "x", "phone": "1"}]
    )
    people_import_csv(path, jobs=1, by=by)
    entry = AuditEntry.objects.get(record="people.person:import")
    assert entry.user == by
    assert entry.purpose.startswith("import registry.csv (done): 5 created, 0 updated, 1 rejected")
    assert list(entry.persons.all()) == []


def test_chunks_and_worker_processes_give_the_same_result(gazetteer: None, tmp_path: Path) -> None:
    rows = [
        {**IRYNA, "external_id": f"reg-{n}", "phone": f"+7910123{n:04d}", "settlement": "Kursk"}
        for n in range(7)
    ]
    rows[3]["birth_date"] = "junk"
    rows.append({**IRYNA, "external_id": "reg-0", "given_name": "Ірина"})  # in a later chunk
    path = write_csv(tmp_path / "people.csv", rows)
    result = people_import_csv(path, jobs=2, chunk_rows=2)
    assert (result.created, result.updated, result.rejected) == (6, 1, 1)
    assert person("reg-0").given_name == "Ірина"
    assert rejected_rows(path)[0]["line"] == "5"
    for p in Person.objects.all():
        assert keys(p) == PersonKey.keys_of(p)


def test_import_command_reports_counts(gazetteer: None, tmp_path: Path) -> None:
    UserFactory(username="coord", role="coordinator")
    path = write_csv(tmp_path / "people.csv", [IRYNA, {**IRYNA, "external_id": "r2", "phone": "x"}])
    out = StringIO()
    call_command("import", "people", str(path), "--by", "coord", "--jobs", "1", stdout=out)
    assert "Persons: 1 created, 0 updated, 1 rejected" in out.getvalue()


def test_import_command_refuses_a_user_without_permission(gazetteer: None, tmp_path: Path) -> None:
    UserFactory(username="partner1", role="partner")
    path = write_csv(tmp_path / "people.csv", [IRYNA])
    with pytest.raises(CommandError, match="may not import persons"):
        call_command("import", "people", str(path), "--by", "partner1")
    assert not Person.objects.exists()


@pytest.mark.parametrize("method", ["raw", "orm"])
def test_consent_given_in_the_source_registry_is_recorded(
    gazetteer: None, tmp_path: Path, method: str
) -> None:
    path = write_csv(tmp_path / "people.csv", [IRYNA])
    people_import_csv(path, jobs=1, method=method, legal_basis="consent", consent_method="written")
    p = person("reg-1")
    assert (p.legal_basis, p.consent_method) == ("consent", "written")
    assert p.consent_at is not None


def test_import_command_refuses_consent_without_a_method(gazetteer: None, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "people.csv", [IRYNA])
    with pytest.raises(CommandError, match="record how it was given"):
        call_command("import", "people", str(path), "--legal-basis", "consent")


RULES = RowRules(
    columns={c: n for n, c in enumerate(COLUMNS)},
    width=len(COLUMNS),
    settlements={KURSK: KURSK, "курск": KURSK, "никол": None},
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(max_size=30), min_size=0, max_size=9))
def test_row_parse_never_crashes_on_junk(values: list[str]) -> None:
    try:
        row = row_parse(values, line=2, rules=RULES)
    except RowRejected as error:
        assert error.field in ("", *COLUMNS) and error.reason
    else:
        assert isinstance(row, ImportRow) and row.external_id
        assert row_parse(values, line=2, rules=RULES) == row


@given(st.dates(min_value=dt.date(1900, 1, 1)))
def test_birth_date_parse_reads_both_formats(date: dt.date) -> None:
    assert birth_date_parse(date.isoformat()) == date
    assert birth_date_parse(date.strftime("%d.%m.%Y")) == date
