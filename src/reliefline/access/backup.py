"""Backups of the whole database, and restoring one: `reliefline backup` / `reliefline restore`.

SQLite is copied with SQLite's online backup API (consistent while the server runs);
PostgreSQL with pg_dump's custom format, restored by pg_restore in one transaction,
so a failed restore leaves the database as it was. Beside each backup a manifest
records its checksum, the migrations it holds, the number of rows of every
reliefline table and the ids of the field keys its encrypted values are sealed with,
all read in the snapshot the copy is made from, so the hotline may go on writing;
a restore checks the checksum, that the backup holds exactly the migrations of this
code and that every one of those keys is configured first, and the counts, the
audit chain and the keys of what it restored afterwards. The field
encryption keys are NOT in a backup: they are kept (and must be backed up) apart, so
a stolen backup alone reveals no phone or message.
"""

import datetime as dt
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import connections, models, transaction
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.db.models.functions import Cast, Substr
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from reliefline.access import crypto
from reliefline.access.audit import audit_verify
from reliefline.access.rotation import EncryptedModel, encrypted_models
from reliefline.errors import ReliefError

MANIFEST_SUFFIX = ".json"
CHUNK = 1 << 20


class BackupFailed(ReliefError):
    code = "backup_failed"
    status = 400


@dataclass(frozen=True)
class BackupReport:
    path: Path
    engine: str
    size: int
    sha256: str
    counts: dict[str, int]
    field_key_ids: list[str]


@dataclass(frozen=True)
class RestoreReport:
    path: Path
    counts: dict[str, int]
    differences: dict[str, tuple[int, int]]
    audit_entries: int
    audit_intact: bool
    # False for a backup whose manifest predates recording its keys: they were checked
    # only once restored (`keys_missing`).
    keys_checked_first: bool
    keys_missing: list[str]

    @property
    def ok(self) -> bool:
        return not self.differences and self.audit_intact and not self.keys_missing


def _engine(using: str) -> str:
    vendor = connections[using].vendor
    if vendor not in ("sqlite", "postgresql"):
        raise BackupFailed(_("Backups support SQLite and PostgreSQL only."), field="database")
    return vendor


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while chunk := file.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def table_counts(using: str = "default") -> dict[str, int]:
    """Return the number of rows of every reliefline table the database has (the
    manifest compares them). One not migrated to this code lacks its newer tables."""
    tables = set(connections[using].introspection.table_names())
    return {
        model._meta.db_table: model._base_manager.using(using).count()
        for model in apps.get_models()
        if model.__module__.startswith("reliefline.")
        and model._meta.managed
        and model._meta.db_table in tables
    }


def encrypted_columns(using: str = "default") -> list[EncryptedModel]:
    """Return the encrypted columns the database has, by model.

    A database not migrated yet has none of them, or not those of this code's newer
    migrations: no data is in them.
    """
    connection = connections[using]
    tables = set(connection.introspection.table_names())
    present = []
    with connection.cursor() as cursor:
        for target in encrypted_models():
            table = target.model._meta.db_table
            if table not in tables:
                continue
            # Not introspection.get_table_description: on SQLite its first call probes
            # for JSON in an atomic block, which inside a backup's read transaction
            # (begun by hand) stalls the copy.
            quoted = connection.ops.quote_name(table)
            cursor.execute(f"SELECT * FROM {quoted} WHERE 1 = 0")  # noqa: S608 - a model's table
            columns = {column[0] for column in cursor.description}
            fields = tuple(
                field.name
                for field in target.model._meta.concrete_fields
                if field.name in target.fields and field.column in columns
            )
            if fields:
                present.append(EncryptedModel(target.model, fields))
    return present


def field_key_ids(using: str = "default") -> set[str]:
    """Return the ids of the field keys the stored values are sealed with.

    Read from the stored form (`v1:<key id>:...`) in SQL, one DISTINCT per encrypted
    column the database has, without decrypting anything; so it also works where the
    keys are missing. A scan of each column: about 0.2 s a million rows.
    """
    prefix = f"{crypto.PREFIX}:"
    found: set[str] = set()
    for target in encrypted_columns(using):
        for name in target.fields:
            raw = Cast(name, models.TextField())
            found.update(
                target.model._base_manager.using(using)
                .annotate(_raw=raw, _key_id=Substr(raw, len(prefix) + 1, crypto.KEY_ID_LENGTH))
                .filter(_raw__startswith=prefix)
                .order_by()
                .values_list("_key_id", flat=True)
                .distinct()
            )
    return found


def _migrations(using: str) -> list[str]:
    recorder = MigrationRecorder(connections[using])
    return sorted(f"{app}.{name}" for app, name in recorder.applied_migrations())


@dataclass(frozen=True)
class _Contents:
    """What the manifest records of a copy, read in the snapshot it is made from."""

    counts: dict[str, int]
    key_ids: set[str]
    migrations: list[str]


def _contents(using: str) -> _Contents:
    return _Contents(table_counts(using), field_key_ids(using), _migrations(using))


def migrations_differ(recorded: Iterable[str]) -> tuple[list[str], list[str]]:
    """Return the migrations of this code that `recorded` lacks, and those it holds
    that this code does not know, each sorted (`app.name`, as a manifest lists them).

    As Django's loader does, a squashed migration counts as applied once every
    migration it replaces is, and a replaced one is known though its file is gone.
    Apps this code has no migrations for (one removed since) are left out.
    """
    loader = MigrationLoader(None, ignore_no_migrations=True)
    held = set(recorded)
    known: set[str] = set()
    replaced: set[str] = set()
    for (app, name), migration in loader.disk_migrations.items():
        known.add(f"{app}.{name}")
        replaces = {f"{r_app}.{r_name}" for r_app, r_name in migration.replaces}
        replaced |= replaces
        if replaces and replaces <= held:
            held.add(f"{app}.{name}")
    unknown = {
        label
        for label in held - known - replaced
        if label.partition(".")[0] in loader.migrated_apps
    }
    return sorted(known - held), sorted(unknown)


def _pg_args(using: str) -> tuple[list[str], dict[str, str]]:
    config = settings.DATABASES[using]
    args = ["--dbname", str(config["NAME"])]
    for flag, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if config.get(key):
            args += [flag, str(config[key])]
    env = dict(os.environ)
    if config.get("PASSWORD"):
        env["PGPASSWORD"] = str(config["PASSWORD"])
    return args, env


def _run(command: list[str], env: dict[str, str]) -> None:
    if shutil.which(command[0]) is None:
        raise BackupFailed(
            _("%(tool)s is not installed; install the PostgreSQL client tools.")
            % {"tool": command[0]},
            field="database",
        )
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        raise BackupFailed(
            _("%(tool)s failed: %(error)s") % {"tool": command[0], "error": done.stderr.strip()},
            field="database",
        )


def backup_path(directory: Path, engine: str, *, now: dt.datetime | None = None) -> Path:
    """Return the default file name of a backup taken now, under `directory`."""
    stamp = (now or timezone.now()).strftime("%Y%m%dT%H%M%SZ")
    suffix = ".sqlite3" if engine == "sqlite" else ".dump"
    return directory / f"reliefline-{stamp}{suffix}"


def backup_create(path: Path, *, using: str = "default") -> BackupReport:
    """Write a consistent copy of the database to `path`, and its manifest beside it."""
    engine = _engine(using)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    contents = _sqlite_copy(using, partial) if engine == "sqlite" else _pg_dump(using, partial)
    # Renamed only once complete, so a file with the final name is always a whole backup.
    partial.replace(path)
    report = BackupReport(
        path=path,
        engine=engine,
        size=path.stat().st_size,
        sha256=_sha256(path),
        counts=contents.counts,
        field_key_ids=sorted(contents.key_ids),
    )
    manifest = {
        "engine": engine,
        "created_at": timezone.now().isoformat(),
        "sha256": report.sha256,
        "size": report.size,
        # A restore refuses a backup whose migrations differ from its code's.
        "migrations": contents.migrations,
        "counts": contents.counts,
        # Ids only: the keys themselves are never in a backup.
        "field_key_ids": report.field_key_ids,
    }
    path.with_name(path.name + MANIFEST_SUFFIX).write_text(json.dumps(manifest, indent=2))
    return report


def _sqlite_copy(using: str, partial: Path) -> _Contents:
    """Copy the SQLite database to `partial`; return its counts, key ids and migrations.

    Read in the read transaction the copy is made in, so they are the copy's own,
    whatever the server writes meanwhile (WAL: readers never block the writer). The
    transaction is begun by hand, DEFERRED: an atomic block here begins IMMEDIATE
    (settings), which would hold every writer of the hotline for the whole copy.
    """
    connection = connections[using]
    connection.ensure_connection()
    raw = connection.connection
    target = sqlite3.connect(partial)
    try:
        raw.execute("BEGIN DEFERRED")
        try:
            contents = _contents(using)
            raw.backup(target)
        finally:
            raw.execute("ROLLBACK")  # it wrote nothing
        (check,) = target.execute("PRAGMA integrity_check").fetchone()
    finally:
        target.close()
    if check != "ok":
        partial.unlink(missing_ok=True)
        raise BackupFailed(_("The copy failed its integrity check."), field="database")
    return contents


def _pg_dump(using: str, partial: Path) -> _Contents:
    """Dump the PostgreSQL database to `partial`; return its counts, key ids and migrations.

    pg_dump reads the snapshot this transaction exports, and they are read in it too,
    so they are the dump's own, whatever the server writes (or migrates) meanwhile.
    """
    args, env = _pg_args(using)
    with transaction.atomic(using=using, durable=True):
        with connections[using].cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            (snapshot,) = cursor.fetchone()
        contents = _contents(using)
        _run(
            [
                *("pg_dump", "--format=custom", "--no-owner", f"--snapshot={snapshot}"),
                *("--file", str(partial), *args),
            ],
            env,
        )
    return contents


def _manifest(path: Path) -> dict[str, object]:
    manifest_path = path.with_name(path.name + MANIFEST_SUFFIX)
    if not manifest_path.exists():
        raise BackupFailed(
            _("The manifest %(name)s is missing beside the backup.") % {"name": manifest_path.name},
            field="path",
        )
    try:
        manifest = json.loads(manifest_path.read_text())
    except (OSError, ValueError) as error:
        raise BackupFailed(_("The manifest is unreadable: %(error)s") % {"error": error}) from error
    if not isinstance(manifest, dict):
        raise BackupFailed(_("The manifest is unreadable."), field="path")
    return manifest


def backup_restore(path: Path, *, using: str = "default") -> RestoreReport:
    """Replace the whole database with the backup at `path`; return what the check found.

    The backup must match its manifest's checksum, engine and migrations, and its
    field keys must be configured, or nothing is touched.
    """
    engine = _engine(using)
    if not path.is_file():
        raise BackupFailed(_("No backup at %(path)s.") % {"path": path}, field="path")
    manifest = _manifest(path)
    if manifest.get("engine") != engine:
        raise BackupFailed(
            _("This is a %(backup)s backup; the database is %(engine)s.")
            % {"backup": manifest.get("engine"), "engine": engine},
            field="path",
        )
    if _sha256(path) != manifest.get("sha256"):
        raise BackupFailed(
            _("The backup does not match its manifest's checksum: it is damaged."), field="path"
        )
    _require_migrations(manifest.get("migrations"))
    recorded = manifest.get("field_key_ids")
    keys_checked_first = isinstance(recorded, list)
    if isinstance(recorded, list):
        _require_keys([str(key_id) for key_id in recorded])
    connection = connections[using]
    if engine == "sqlite":
        source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            connection.close()
            connection.ensure_connection()
            source.backup(connection.connection)
        finally:
            source.close()
    else:
        connection.close()
        args, env = _pg_args(using)
        _run(
            [
                *("pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction"),
                *args,
                str(path),
            ],
            env,
        )
    counts = table_counts(using)
    expected = manifest.get("counts")
    expected = expected if isinstance(expected, dict) else {}
    differences = {
        table: (int(expected.get(table, 0)), counts.get(table, 0))
        for table in sorted(set(expected) | set(counts))
        if int(expected.get(table, 0)) != counts.get(table, 0)
    }
    chain = audit_verify()
    return RestoreReport(
        path=path,
        counts=counts,
        differences=differences,
        audit_entries=chain.checked,
        audit_intact=chain.intact,
        keys_checked_first=keys_checked_first,
        keys_missing=crypto.field_keys_missing(field_key_ids(using)),
    )


def _listed(labels: list[str], *, shown: int = 3) -> str:
    return ", ".join(labels[:shown]) + (", …" if len(labels) > shown else "")


def _require_migrations(recorded: object) -> None:
    """Raise BackupFailed unless the backup holds exactly this code's migrations.

    The restore replaces the schema with the backup's and then reads it through this
    code's models: an older or newer schema lacks a table or column they need. Nor
    is an older backup restored here and migrated: pg_restore --clean drops only what
    the backup holds, so the newer tables would stay behind and `migrate` fail on them.
    """
    if not isinstance(recorded, list):
        raise BackupFailed(
            _(
                "The manifest does not list the backup's migrations, so it cannot be checked "
                "against this version: nothing was restored."
            ),
            field="path",
        )
    missing, unknown = migrations_differ(str(label) for label in recorded)
    if unknown:
        raise BackupFailed(
            ngettext(
                "The backup was made by a newer reliefline: it holds %(count)s migration "
                "this version does not know (%(names)s). Nothing was restored: restore it "
                "with the version that made it (docs/deploy.md, Backups and the restore drill).",
                "The backup was made by a newer reliefline: it holds %(count)s migrations "
                "this version does not know (%(names)s). Nothing was restored: restore it "
                "with the version that made it (docs/deploy.md, Backups and the restore drill).",
                len(unknown),
            )
            % {"count": len(unknown), "names": _listed(unknown)},
            field="path",
        )
    if missing:
        raise BackupFailed(
            ngettext(
                "The backup was made by an older reliefline: it lacks %(count)s migration of "
                "this version (%(names)s). Nothing was restored: restore it into an empty "
                "database with the version that made it, then upgrade (docs/deploy.md, "
                "Backups and the restore drill).",
                "The backup was made by an older reliefline: it lacks %(count)s migrations of "
                "this version (%(names)s). Nothing was restored: restore it into an empty "
                "database with the version that made it, then upgrade (docs/deploy.md, "
                "Backups and the restore drill).",
                len(missing),
            )
            % {"count": len(missing), "names": _listed(missing)},
            field="path",
        )


def _require_keys(key_ids: list[str]) -> None:
    """Raise BackupFailed unless every key in `key_ids` is configured.

    A key id is derived from the key itself, so a configured key with that id is the
    key the values were sealed with: nothing needs decrypting to know they will read.
    """
    missing = crypto.field_keys_missing(key_ids)
    if missing:
        raise BackupFailed(
            ngettext(
                "The backup is encrypted with field key %(ids)s, which RELIEFLINE_FIELD_KEYS "
                "does not hold: nothing was restored. Set RELIEFLINE_FIELD_KEYS to include "
                "the key in use when the backup was made, from where the keys are kept "
                "(docs/deploy.md, Backups and the restore drill).",
                "The backup is encrypted with field keys %(ids)s, which RELIEFLINE_FIELD_KEYS "
                "does not hold: nothing was restored. Set RELIEFLINE_FIELD_KEYS to include "
                "the keys in use when the backup was made, from where the keys are kept "
                "(docs/deploy.md, Backups and the restore drill).",
                len(missing),
            )
            % {"ids": ", ".join(missing)},
            field="path",
        )
