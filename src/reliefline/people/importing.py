"""`reliefline import people FILE.csv`: load a registry of persons in bulk.

The file has the columns `external_id,given_name,family_name,patronymic,birth_date,
phone,settlement` (any order, extra columns ignored, empty fields allowed). A row is
checked by person_validate, the same rules as intake, and keyed on external_id: a
re-import updates the person it created, never adds a second one. A row that breaks a
rule is written to `FILE.rejected.csv` beside the input (columns line, field, reason,
then the row as it was); the rest of the file is imported. Dates are YYYY-MM-DD or
DD.MM.YYYY; a settlement is a place id or a name in any script.

A million rows must load in minutes, not the half hour that one ORM save per person
takes, so the file is streamed in chunks: worker processes parse, validate, normalise,
encrypt and derive the blind index and matching keys (people.matching) in Python, and
the parent writes each chunk in one transaction with bulk statements (COPY on
PostgreSQL). A killed import leaves whole chunks only, and rerunning it is safe.
"""

import contextlib
import csv
import datetime as dt
import functools
import getpass
import multiprocessing
import operator
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from django.contrib.auth.models import User
from django.db import connection, transaction
from django.db.models import Index
from django.utils import timezone
from django.utils.translation import gettext as _

from reliefline.access import audit_labels, crypto
from reliefline.access.audit import audit_record
from reliefline.access.models import AuditAction
from reliefline.errors import InvalidInput
from reliefline.people.matching import Identity
from reliefline.people.models import (
    ConsentMethod,
    Household,
    Language,
    LegalBasis,
    Person,
    PersonKey,
)
from reliefline.people.services import PersonInput, person_validate
from reliefline.places.models import Place
from reliefline.places.names import name_key, place_query_key, ukrainian_spelling
from reliefline.processes import die_with_parent
from reliefline.text import text_check

COLUMNS = (
    "external_id",
    "given_name",
    "family_name",
    "patronymic",
    "birth_date",
    "phone",
    "settlement",
)
CHUNK_ROWS = 10_000
EXTERNAL_ID_MAX = Person._meta.get_field("external_id").max_length or 64
FIELD_MAX = 200  # longer than any column allows; cut before any parsing work
DATE_FORMATS = ("%Y-%m-%d", "%d.%m.%Y")
SQLITE_CACHE_KIB = 256 * 1024
SQLITE_VARIABLES = 999  # the least limit of bound parameters of any SQLite build
REJECTED_COLUMNS = ("line", "field", "reason")
AUDIT_RECORD = "people.person:import"
# PersonKey's lookup index (people.models.PersonKey.Meta.indexes).
KEY_INDEX = "personkey_kind_value_person"
# PostgreSQL advisory lock held by whoever builds that index (any fixed number that
# no other advisory lock of the database uses).
KEY_INDEX_LOCK = 0x524C_4B49  # "RLKI"


class RowRejected(Exception):
    """A row broke a rule: `field` names the column (empty for the whole row)."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


@dataclass(frozen=True)
class RowRules:
    """What a worker needs to turn a row into a person, fixed for the whole import."""

    columns: dict[str, int]  # column name -> position in the file's header
    width: int  # number of columns in the header
    settlements: dict[str, str | None]  # id or name key -> place id (None: ambiguous)
    legal_basis: str = LegalBasis.PUBLIC_INTEREST
    consent_method: str = ConsentMethod.NOT_OBTAINED


@dataclass(frozen=True)
class ImportRow:
    """A valid row: the person cleaned by person_validate and the settlement's id."""

    line: int
    external_id: str
    person: PersonInput
    settlement_id: str | None


class Prepared(NamedTuple):
    """A valid row with its stored forms: encrypted phone, blind index, matching keys.

    A tuple, not a dataclass: a million of these cross from the workers by pickle.
    """

    line: int
    values: list[str]  # the row as read, for the rejected-rows file
    external_id: str
    given_name: str
    family_name: str
    patronymic: str
    birth_date: dt.date | None
    phone: str
    phone_stored: str
    phone_index: str
    name_key: str
    settlement_id: str | None
    keys: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Rejection:
    line: int
    values: list[str]
    field: str
    reason: str


@dataclass
class ImportResult:
    """What an import did; `rejected_path` holds the rejected rows and why."""

    path: Path
    rejected_path: Path
    created: int = 0
    updated: int = 0
    rejected: int = 0
    seconds: float = 0.0
    interrupted: bool = field(default=False)

    @property
    def rows(self) -> int:
        return self.created + self.updated + self.rejected


def _add(found: dict[str, str | None], keys: set[str], pk: str) -> None:
    for key in keys - {""}:
        found[key] = None if found.get(key, pk) != pk else pk


def settlement_map() -> dict[str, str | None]:
    """Return every place id, and the key of each of its names, mapped to the id.

    Keys are place search's (places.names: any script, háček letters spelled out). A
    name two settlements share maps to None: such a row must give the place id. The
    guessed Ukrainian spelling of a Russian name the gazetteer gives none (Кореневе)
    counts only where no settlement is named so: a guess never makes a real name
    ambiguous.
    """
    found: dict[str, str | None] = {}
    places = list(Place.objects.values_list("pk", "name_ru", "name_uk", "name_en"))
    for pk, *names in places:
        _add(found, {name_key(name) for name in names if name}, pk)
    guessed: dict[str, str | None] = {}
    for pk, name_ru, name_uk, _en in places:
        if name_ru and not name_uk:
            _add(guessed, {name_key(ukrainian_spelling(name_ru))}, pk)
    for key, guess in guessed.items():
        found.setdefault(key, guess)
    for pk, *_names in places:
        found[pk] = pk
    return found


def settlement_resolve(text: str, settlements: dict[str, str | None]) -> str | None:
    """Return the place id a cell names (by id, or by name in any script), or raise."""
    text = text.strip()
    if not text:
        return None
    if text in settlements and settlements[text] == text:
        return text
    key = _settlement_key(text)
    if key not in settlements:
        raise RowRejected("settlement", _("No settlement %(name)s.") % {"name": text[:100]})
    place_id = settlements[key]
    if place_id is None:
        raise RowRejected(
            "settlement",
            _("Several settlements are named %(name)s: give the place id.") % {"name": text[:100]},
        )
    return place_id


@functools.lru_cache(maxsize=4096)
def _settlement_key(text: str) -> str:
    # A registry names a few hundred settlements a million times: fold each once. As
    # place search reads it: "с. Гуєво" and "Суджа, Курська обл." name the settlement.
    return place_query_key(text)


def birth_date_parse(text: str) -> dt.date | None:
    """Return the date of a cell written 1979-10-30 or 30.10.1979; empty gives None."""
    text = text.strip()
    if not text:
        return None
    if len(text) == 10 and text[4] == "-":
        with contextlib.suppress(ValueError):  # the common case, 20 times faster than strptime
            return dt.date.fromisoformat(text)
    for pattern in DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise RowRejected(
        "birth_date",
        _("%(value)s is not a date (write YYYY-MM-DD or DD.MM.YYYY).") % {"value": text[:40]},
    )


def row_parse(values: Sequence[str], *, line: int, rules: RowRules) -> ImportRow:
    """Return the row as a validated person, or raise RowRejected naming the column."""
    if len(values) != rules.width:
        raise RowRejected(
            "",
            _("%(got)s fields where the header has %(want)s.")
            % {"got": len(values), "want": rules.width},
        )
    cell = {name: values[pos] for name, pos in rules.columns.items()}
    for name, value in cell.items():
        if len(value) > FIELD_MAX:
            raise RowRejected(name, _("At most %(n)s characters.") % {"n": FIELD_MAX})
    try:
        external_id = text_check(cell["external_id"], field="external_id").strip()
        if not external_id:
            raise RowRejected("external_id", _("Required, so that a re-import updates the row."))
        if len(external_id) > EXTERNAL_ID_MAX:
            raise RowRejected(
                "external_id", _("At most %(n)s characters.") % {"n": EXTERNAL_ID_MAX}
            )
        settlement = text_check(cell["settlement"], field="settlement")
        person = person_validate(
            PersonInput(
                given_name=cell["given_name"],
                family_name=cell["family_name"],
                patronymic=cell["patronymic"],
                birth_date=birth_date_parse(cell["birth_date"]),
                phone=cell["phone"],
                legal_basis=rules.legal_basis,
                consent_method=rules.consent_method,
            ),
            field="row",
        )
    except InvalidInput as error:
        column = (error.field or "").removeprefix("row").removeprefix(".")
        raise RowRejected(column, error.message) from None
    return ImportRow(line, external_id, person, settlement_resolve(settlement, rules.settlements))


def row_prepare(row: ImportRow, values: list[str]) -> Prepared:
    """Return the row with what is stored: ciphertext, blind index and matching keys.

    The keys are derived as Person.derive_keys and PersonKey.keys_of derive them, from
    the fields alone: a model instance, even copied from a blank one, cost a tenth of
    a row's time.
    """
    data = row.person
    phone_index = crypto.blind_index(data.phone) if data.phone else ""
    identity = Identity(
        given_name=data.given_name,
        family_name=data.family_name,
        patronymic=data.patronymic,
        birth_date=data.birth_date,
    )
    return Prepared(
        line=row.line,
        values=values,
        external_id=row.external_id,
        given_name=data.given_name,
        family_name=data.family_name,
        patronymic=data.patronymic,
        birth_date=data.birth_date,
        phone=data.phone,
        phone_stored=crypto.encrypt(data.phone) if data.phone else "",
        phone_index=phone_index,
        name_key=Person.name_key_for(family_name=data.family_name, given_name=data.given_name),
        settlement_id=row.settlement_id,
        keys=tuple(PersonKey.keys_for(identity, phone_index=phone_index)),
    )


def chunk_prepare(
    rows: list[tuple[int, list[str]]], rules: RowRules
) -> tuple[list[Prepared], list[Rejection]]:
    """Return the valid rows of a chunk prepared for storage, and the rejected ones.

    An external_id that appears twice keeps its later row; the earlier is rejected.
    """
    prepared: dict[str, Prepared] = {}
    rejected: list[Rejection] = []
    raw_of: dict[str, tuple[int, list[str]]] = {}
    for line, values in rows:
        try:
            row = row_parse(values, line=line, rules=rules)
        except RowRejected as error:
            rejected.append(Rejection(line, values, error.field, error.reason))
            continue
        earlier = raw_of.get(row.external_id)
        if earlier is not None:
            rejected.append(
                Rejection(
                    earlier[0],
                    earlier[1],
                    "external_id",
                    _("Repeated on line %(line)s, which is imported instead.") % {"line": line},
                )
            )
            del prepared[row.external_id]
        raw_of[row.external_id] = (line, values)
        prepared[row.external_id] = row_prepare(row, values)
    return list(prepared.values()), rejected


# ---- writing a chunk ------------------------------------------------------------------

_PERSON_COLUMNS = (
    "given_name",
    "family_name",
    "patronymic",
    "birth_date",
    "phone",
    "phone_index",
    "name_key",
)


class ChunkWriter:
    """Writes prepared chunks in bulk, one transaction each.

    Method "raw" allocates the primary keys itself and writes with COPY on PostgreSQL
    or executemany on SQLite; "orm" uses Django's bulk_create (kept to compare: see
    docs/benchmarks.md).
    """

    def __init__(self, *, method: str, legal_basis: str, consent_method: str) -> None:
        self.orm = method == "orm"
        self.postgres = connection.vendor == "postgresql"
        self.legal_basis = legal_basis
        self.consent_method = consent_method
        # As person_create: when consent was obtained, it is recorded as of now.
        self.consent_at = None if consent_method == ConsentMethod.NOT_OBTAINED else timezone.now()
        self.person_table = Person._meta.db_table
        self.key_table = PersonKey._meta.db_table
        self.household_table = Household._meta.db_table
        self.index_deferred = False

    def write(self, rows: list[Prepared]) -> tuple[int, int, list[Rejection]]:
        """Store one chunk in one transaction; return (created, updated, rejected)."""
        with transaction.atomic():
            existing = self._existing([r.external_id for r in rows])
            purged = {ext for ext, (_pk, _hh, at) in existing.items() if at is not None}
            rejected = [
                Rejection(
                    r.line,
                    r.values,
                    "external_id",
                    _("This person's data was purged under retention; not imported again."),
                )
                for r in rows
                if r.external_id in purged
            ]
            new = [r for r in rows if r.external_id not in existing]
            old = [r for r in rows if r.external_id in existing and r.external_id not in purged]
            if new:
                self._create(new)
            if old:
                self._update(old, {ext: (pk, hh) for ext, (pk, hh, _at) in existing.items()})
        return len(new), len(old), rejected

    def _existing(self, external_ids: list[str]) -> dict[str, tuple[int, int | None, object]]:
        """Return external_id -> (pk, household id, purged_at or None) of stored persons.

        In SQL, not through the ORM: Django's `__in` spent more time preparing ten
        thousand parameters than the database took to answer.
        """
        select = f"SELECT external_id, id, household_id, purged_at FROM {self.person_table}"  # noqa: S608 -- name ours
        found: dict[str, tuple[int, int | None, object]] = {}
        with connection.cursor() as cursor:
            if self.postgres:
                cursor.execute(f"{select} WHERE external_id = ANY(%s)", [external_ids])
                rows = cursor.fetchall()
            else:
                rows = []
                for start in range(0, len(external_ids), SQLITE_VARIABLES):
                    part = external_ids[start : start + SQLITE_VARIABLES]
                    marks = ", ".join(["%s"] * len(part))
                    cursor.execute(f"{select} WHERE external_id IN ({marks})", part)
                    rows.extend(cursor.fetchall())
        for ext, pk, household_id, purged in rows:
            found[str(ext)] = (pk, household_id, purged)
        return found

    def _create(self, rows: list[Prepared]) -> None:
        settled = [r for r in rows if r.settlement_id]
        households = self._households([r.settlement_id or "" for r in settled])
        household_of = {r.external_id: h for r, h in zip(settled, households, strict=True)}
        if self.orm:
            persons = [
                Person(
                    given_name=r.given_name,
                    family_name=r.family_name,
                    patronymic=r.patronymic,
                    birth_date=r.birth_date,
                    phone=r.phone,  # bulk_create seals it (EncryptedTextField)
                    phone_index=r.phone_index,
                    name_key=r.name_key,
                    external_id=r.external_id,
                    household_id=household_of.get(r.external_id),
                    legal_basis=self.legal_basis,
                    consent_method=self.consent_method,
                    consent_at=self.consent_at,
                )
                for r in rows
            ]
            Person.objects.bulk_create(persons, batch_size=1000)
            ids = [p.pk for p in persons]
        else:
            ids = self._allocate(self.person_table, len(rows))
            now = connection.ops.adapt_datetimefield_value(timezone.now())
            consent_at = connection.ops.adapt_datetimefield_value(self.consent_at)
            columns = ("id", *_PERSON_COLUMNS, "external_id", "household_id", "preferred_language")
            self._insert(
                self.person_table,
                (*columns, "legal_basis", "consent_method", "consent_at", "created_at"),
                [
                    (pk, *self._values(r), r.external_id, household_of.get(r.external_id),
                     Language.UK, self.legal_basis, self.consent_method, consent_at, now)
                    for pk, r in zip(ids, rows, strict=True)
                ],
            )  # fmt: skip
        self._keys([(pk, r) for pk, r in zip(ids, rows, strict=True)])

    def _update(self, rows: list[Prepared], existing: dict[str, tuple[int, int | None]]) -> None:
        """Rewrite the persons' fields and keys; give a settlement a household to live in.

        An empty settlement leaves the person's household as it is: the registry does
        not know where they are, which is no reason to forget what the hotline knows.
        """
        homeless = [r for r in rows if r.settlement_id and existing[r.external_id][1] is None]
        made = self._households([r.settlement_id or "" for r in homeless])
        new_household = {r.external_id: h for r, h in zip(homeless, made, strict=True)}
        moved: dict[str, list[int]] = {}
        for r in rows:
            household = existing[r.external_id][1]
            if r.settlement_id and household is not None:
                moved.setdefault(r.settlement_id, []).append(household)
        for place, households in moved.items():
            Household.objects.filter(pk__in=households).exclude(settlement_id=place).update(
                settlement_id=place
            )
        table = self.person_table
        with connection.cursor() as cursor:
            cursor.execute(
                "CREATE TEMPORARY TABLE IF NOT EXISTS people_import_update ("
                "id bigint PRIMARY KEY, given_name text, family_name text, patronymic text, "
                "birth_date date, phone text, phone_index text, name_key text, household_id bigint)"
            )
            cursor.execute("DELETE FROM people_import_update")
        pk_of = {r.external_id: existing[r.external_id][0] for r in rows}
        self._insert(
            "people_import_update",
            ("id", *_PERSON_COLUMNS, "household_id"),
            [
                (pk_of[r.external_id], *self._values(r), new_household.get(r.external_id))
                for r in rows
            ],
        )
        assignments = ", ".join(f"{c} = u.{c}" for c in _PERSON_COLUMNS)
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET {assignments}, "  # noqa: S608 -- names ours, values bound
                f"household_id = COALESCE(u.household_id, {table}.household_id) "
                f"FROM people_import_update AS u WHERE {table}.id = u.id"
            )
            cursor.execute(
                f"DELETE FROM {self.key_table} "  # noqa: S608 -- names ours
                "WHERE person_id IN (SELECT id FROM people_import_update)"
            )
        self._keys([(pk_of[r.external_id], r) for r in rows])

    def _values(self, row: Prepared) -> tuple[Any, ...]:
        """Return the row's values for _PERSON_COLUMNS, phone sealed, as the database takes them."""
        return (
            row.given_name,
            row.family_name,
            row.patronymic,
            connection.ops.adapt_datefield_value(row.birth_date),
            row.phone_stored,
            row.phone_index,
            row.name_key,
        )

    def _households(self, settlement_ids: list[str]) -> list[int]:
        """Return the ids of new one-person households, one in each settlement given."""
        if not settlement_ids:
            return []
        if self.orm:
            made = Household.objects.bulk_create(
                [Household(settlement_id=place, size=1) for place in settlement_ids],
                batch_size=1000,
            )
            return [h.pk for h in made]
        ids = self._allocate(self.household_table, len(settlement_ids))
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        self._insert(
            self.household_table,
            ("id", "settlement_id", "size", "created_at"),
            [(pk, place, 1, now) for pk, place in zip(ids, settlement_ids, strict=True)],
        )
        return ids

    def _keys(self, persons: list[tuple[int, Prepared]]) -> None:
        if self.orm:
            PersonKey.objects.bulk_create(
                (
                    PersonKey(person_id=pk, kind=kind, value=value)
                    for pk, r in persons
                    for kind, value in r.keys
                ),
                batch_size=5000,
            )
            return
        rows = [(pk, kind, value) for pk, r in persons for kind, value in r.keys]
        if not self.index_deferred:
            # In (kind, value) order, the lookup index takes each chunk in one sweep of
            # its pages instead of at random places.
            rows.sort(key=operator.itemgetter(1, 2))
        self._insert(self.key_table, ("person_id", "kind", "value"), rows)

    def index_defer(self) -> None:
        """Drop the keys' lookup index when the keys table is empty: a first load.

        Building it once from a million persons' keys costs a fraction of updating it
        for every row; index_build() builds it at the end. Where a killed import left
        a filled table without it, it is built now, before the rows. Inside a caller's
        transaction nothing changes: PostgreSQL cannot build an index on a table with
        foreign-key checks pending, and the caller may be reading the index.
        """
        if connection.in_atomic_block:
            return
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT 1 FROM {self.key_table} LIMIT 1")  # noqa: S608 -- name ours
            empty = cursor.fetchone() is None
        present = key_index_present()
        if empty:
            # Missing already when an earlier first import was killed before its rows
            # committed: built at the end all the same.
            if present:
                with connection.schema_editor() as editor:
                    editor.remove_index(PersonKey, _key_index())
            self.index_deferred = True
        elif not present:
            key_index_create()

    def index_build(self) -> None:
        """Build the keys' lookup index if index_defer() dropped it, then refresh statistics.

        On PostgreSQL, VACUUM also marks the new rows all-visible, so the matching
        queries read their blocks from the index alone from the start.
        """
        if not self.index_deferred:
            return
        key_index_create()
        self.index_deferred = False
        with connection.cursor() as cursor:
            if self.postgres:
                cursor.execute(f"VACUUM (ANALYZE) {self.key_table}")
            else:
                cursor.execute(f"ANALYZE {self.key_table}")

    def _allocate(self, table: str, count: int) -> list[int]:
        """Return `count` fresh primary keys of the table (the transaction holds them)."""
        with connection.cursor() as cursor:
            if self.postgres:
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                    [table, count],
                )
                return [row[0] for row in cursor.fetchall()]
            # SQLite: the transaction is IMMEDIATE, so no other writer runs until it
            # commits; AUTOINCREMENT's sqlite_sequence keeps ids of deleted rows unused.
            cursor.execute(
                f"SELECT MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = %s), 0), "  # noqa: S608 -- table name ours
                f"COALESCE((SELECT MAX(id) FROM {table}), 0))",
                [table],
            )
            start = int(cursor.fetchone()[0]) + 1
        return list(range(start, start + count))

    def _insert(self, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
        names = ", ".join(columns)
        with connection.cursor() as cursor:
            if self.postgres:
                with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
                return
            marks = ", ".join(["%s"] * len(columns))
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)  # noqa: S608 -- names ours


# ---- the import -----------------------------------------------------------------------


def _key_index() -> Index:
    found: Index = next(index for index in PersonKey._meta.indexes if index.name == KEY_INDEX)
    return found


def key_index_present() -> bool:
    """Return whether the keys' lookup index exists and is usable.

    A first import drops it for a while. On PostgreSQL, a concurrent build that was
    killed leaves the index behind marked invalid: the planner never uses it, so it
    counts as missing here.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT indisvalid FROM pg_index WHERE indexrelid = to_regclass(%s)",
                [connection.ops.quote_name(KEY_INDEX)],
            )
            row = cursor.fetchone()
        return row is not None and bool(row[0])
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, PersonKey._meta.db_table)
    return KEY_INDEX in constraints


def key_index_create(*, concurrently: bool = False) -> None:
    """Build the keys' lookup index unless it exists.

    `concurrently`, for a live system (the scheduler's repair, reindex-people): on
    PostgreSQL the build then lets intake go on writing keys instead of holding their
    table's writes for the whole build; it needs to run outside a transaction and
    does nothing different elsewhere. An invalid index a killed concurrent build left
    is dropped first. IF NOT EXISTS, because the import that dropped the index and
    the repair (people.operations.key_index_repair) may both get there.
    """
    if key_index_present():
        return
    if connection.vendor != "postgresql":
        _key_index_build(concurrently=False)
        return
    # One builder at a time: an invalid index may be another's concurrent build under
    # way, not a killed one's, until this lock says otherwise.
    with connection.cursor() as cursor:
        if connection.in_atomic_block:  # released with the transaction, failed or not
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [KEY_INDEX_LOCK])
            if not key_index_present():
                _key_index_build(concurrently=False)
            return
        cursor.execute("SELECT pg_advisory_lock(%s)", [KEY_INDEX_LOCK])
        try:
            if not key_index_present():
                _key_index_build(concurrently=concurrently)
        finally:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [KEY_INDEX_LOCK])


def _key_index_build(*, concurrently: bool) -> None:
    postgres = connection.vendor == "postgresql"
    with connection.schema_editor(atomic=not concurrently) as editor:
        if postgres:
            how = "CONCURRENTLY " if concurrently else ""
            editor.execute(f"DROP INDEX {how}IF EXISTS {editor.quote_name(KEY_INDEX)}")
        if concurrently:  # an argument only PostgreSQL's schema editor takes
            statement = str(_key_index().create_sql(PersonKey, editor, concurrently=True))
        else:
            statement = str(_key_index().create_sql(PersonKey, editor))
        prefix = "CREATE INDEX CONCURRENTLY " if concurrently else "CREATE INDEX "
        if not statement.startswith(prefix):
            raise AssertionError(f"unexpected index statement: {statement}")
        editor.execute(statement.replace(prefix, prefix + "IF NOT EXISTS ", 1))


def rejected_path_for(path: Path) -> Path:
    """Return where the rejected rows of an import of `path` are written."""
    stem = path.name.removesuffix(path.suffix) if path.suffix else path.name
    return path.with_name(f"{stem}.rejected.csv")


def header_read(reader: Iterator[list[str]]) -> tuple[list[str], dict[str, int]]:
    """Return the header and each needed column's position, or raise InvalidInput."""
    try:
        header = next(reader)
    except StopIteration:
        raise InvalidInput(_("The file is empty."), field="file") from None
    except csv.Error as error:
        raise InvalidInput(_("Unreadable header: %(e)s") % {"e": error}, field="file") from None
    names = [name.strip().lower() for name in header]
    missing = [c for c in COLUMNS if c not in names]
    if missing:
        raise InvalidInput(
            _("Missing columns: %(cols)s") % {"cols": ", ".join(missing)}, field="file"
        )
    return header, {c: names.index(c) for c in COLUMNS}


def _rows(reader: Any, rejected: list[Rejection]) -> Iterator[tuple[int, list[str]]]:
    """Yield (first line, values) of each record; one the csv module cannot read is rejected."""
    while True:
        start = reader.line_num + 1  # a quoted field may span lines: report the first
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            rejected.append(Rejection(start, [], "", _("Unreadable: %(e)s") % {"e": error}))
            continue
        if any(values):  # blank lines carry nothing
            yield start, values


def _chunks(
    rows: Iterator[tuple[int, list[str]]], size: int
) -> Iterator[list[tuple[int, list[str]]]]:
    chunk: list[tuple[int, list[str]]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _line_count(path: Path) -> int:
    with path.open("rb") as handle:
        return sum(block.count(b"\n") for block in iter(lambda: handle.read(1 << 20), b""))


def _prepared_chunks(
    chunks: Iterator[list[tuple[int, list[str]]]], rules: RowRules, jobs: int
) -> Iterator[tuple[int, list[Prepared], list[Rejection]]]:
    """Yield (rows read, prepared, rejected) per chunk, in file order.

    With jobs > 1, forked workers prepare the next chunks while the parent writes; at
    most jobs + 1 chunks are in flight, so memory stays flat however long the file.
    """
    if jobs <= 1:
        for chunk in chunks:
            yield (len(chunk), *chunk_prepare(chunk, rules))
        return
    context = multiprocessing.get_context("fork")
    # A killed import must not leave its row workers behind (found by the import drill).
    with ProcessPoolExecutor(
        max_workers=jobs, mp_context=context, initializer=die_with_parent
    ) as pool:
        pending: deque[tuple[int, Future[tuple[list[Prepared], list[Rejection]]]]] = deque()
        for chunk in chunks:
            pending.append((len(chunk), pool.submit(chunk_prepare, chunk, rules)))
            if len(pending) > jobs:
                size, future = pending.popleft()
                yield (size, *future.result())
        while pending:
            size, future = pending.popleft()
            yield (size, *future.result())


def _who(by: User | None) -> str:
    if by is not None:
        return by.username
    with contextlib.suppress(Exception):  # no login name in some containers
        return f"command line ({getpass.getuser()})"
    return "command line"


def options_check(*, legal_basis: str, consent_method: str) -> None:
    """Raise InvalidInput when the legal basis and consent method break person_validate."""
    person_validate(
        PersonInput(given_name="-", legal_basis=legal_basis, consent_method=consent_method),
        field="options",
    )


def people_import_csv(
    path: Path,
    *,
    by: User | None = None,
    jobs: int = 2,
    chunk_rows: int = CHUNK_ROWS,
    method: str = "auto",
    legal_basis: str = LegalBasis.PUBLIC_INTEREST,
    consent_method: str = ConsentMethod.NOT_OBTAINED,
    progress: Callable[[int], object] | None = None,
    total: Callable[[int], object] | None = None,
) -> ImportResult:
    """Import a registry CSV of persons (see the module docstring); return the counts.

    Raise InvalidInput, before anything is stored, when the file has no header with
    the columns or the options break person_validate's rules; raise OSError when the
    file cannot be read. One audit entry records who imported which file and the counts.
    """
    options_check(legal_basis=legal_basis, consent_method=consent_method)
    if method not in ("auto", "raw", "orm"):
        raise InvalidInput(_("Unknown method."), field="method")
    if connection.vendor == "sqlite":
        # Room for the matching index's pages: its inserts land all over the B-tree.
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")
    writer = ChunkWriter(method=method, legal_basis=legal_basis, consent_method=consent_method)
    result = ImportResult(path=path, rejected_path=rejected_path_for(path))
    started = time.perf_counter()
    if total is not None:
        total(max(_line_count(path) - 1, 0))
    # surrogateescape: a byte that is not UTF-8 rejects its row (text_check), not the file.
    with path.open(newline="", encoding="utf-8-sig", errors="surrogateescape") as source:
        reader = csv.reader(source)
        header, columns = header_read(reader)
        sink = result.rejected_path.open(
            "w", newline="", encoding="utf-8", errors="surrogateescape"
        )
        out = csv.writer(sink)
        out.writerow([*REJECTED_COLUMNS, *header])
        rules = RowRules(
            columns=columns,
            width=len(header),
            settlements=settlement_map(),
            legal_basis=legal_basis,
            consent_method=consent_method,
        )
        unreadable: list[Rejection] = []
        chunks = _chunks(_rows(reader, unreadable), chunk_rows)
        writer.index_defer()
        try:
            for size, prepared, rejected in _prepared_chunks(chunks, rules, jobs):
                created, updated, refused = writer.write(prepared) if prepared else (0, 0, [])
                result.created += created
                result.updated += updated
                _write_rejected(out, [*unreadable, *rejected, *refused])
                result.rejected += len(unreadable) + len(rejected) + len(refused)
                unreadable.clear()
                if progress is not None:
                    progress(size)
            _write_rejected(out, unreadable)
            result.rejected += len(unreadable)
        except BaseException:
            result.interrupted = True
            raise
        finally:
            sink.close()
            writer.index_build()
            result.seconds = time.perf_counter() - started
            _audit(result, by=by)
    return result


def _write_rejected(out: Any, rejections: list[Rejection]) -> None:
    for rejection in sorted(rejections, key=lambda r: r.line):
        out.writerow([rejection.line, rejection.field, rejection.reason, *rejection.values])


def _audit(result: ImportResult, *, by: User | None) -> None:
    """Record the import in the audit log: one entry for the whole file, not one per row.

    The purpose is recorded in English, like every audit purpose, so the log reads and
    searches the same whatever language the command ran in; the audit page translates it.
    """
    template = audit_labels.IMPORT_INTERRUPTED if result.interrupted else audit_labels.IMPORT_DONE
    purpose = template.text(
        file=result.path.name[:60],
        created=result.created,
        updated=result.updated,
        rejected=result.rejected,
        user=_who(by)[:40],
    )
    with transaction.atomic():
        audit_record(
            user=by,
            action=AuditAction.CREATE,
            record=AUDIT_RECORD,
            purpose=purpose,
            fields=COLUMNS[1:],
        )
