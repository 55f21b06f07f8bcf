"""A database or a backup whose migrations are not this code's: `check --deploy` reads
what the database has, `restore` refuses the backup before touching anything."""

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder
from django.test import override_settings

from reliefline.access import crypto
from reliefline.access.backup import migrations_differ
from reliefline.access.tests.test_commands import _field_key_checks
from reliefline.access.tests.test_migrations import scratch_env  # noqa: F401 - a fixture
from reliefline.hotline.models import Case
from reliefline.hotline.tests.factories import open_case

pytestmark = pytest.mark.django_db(transaction=True)

# The last migrations of aid, the top app nothing depends on; 0006 creates a table
# with an encrypted column (aid_distributionrefusal.note).
AID_BEFORE = "0005_standard_names"
AID_LATER = (
    "aid.0006_distribution_refusal",
    "aid.0007_quantity_bigint_dated_lots",
    "aid.0008_balance_no_lot_undated",
)


@pytest.fixture
def aid_migrated_back() -> Iterator[None]:
    """Return with the database as an older reliefline left it: aid before 0006."""
    call_command("migrate", "aid", AID_BEFORE, verbosity=0)
    try:
        yield
    finally:
        call_command("migrate", "aid", verbosity=0)


def _backup(tmp_path: Path) -> Path:
    path = tmp_path / "drill" / "reliefline.bak"
    call_command("backup", output=path, stdout=open("/dev/null", "w"))  # noqa: SIM115
    return path


def _manifest_edit(path: Path, **changed: object) -> None:
    manifest_path = path.parent / (path.name + ".json")
    manifest = json.loads(manifest_path.read_text())
    manifest.update(changed)
    manifest_path.write_text(json.dumps({k: v for k, v in manifest.items() if v is not None}))


def _applied() -> list[str]:
    return sorted(
        f"{app}.{name}" for app, name in MigrationRecorder(connection).applied_migrations()
    )


def test_restore_refuses_a_backup_of_an_older_schema_and_changes_nothing(
    tmp_path: Path, aid_migrated_back: None
) -> None:
    open_case()
    path = _backup(tmp_path)
    call_command("migrate", "aid", verbosity=0)
    open_case(given_name="Олена", phone="+380671234567")

    with pytest.raises(
        CommandError,
        match=rf"older reliefline: it lacks 3 migrations of this version \({', '.join(AID_LATER)}\)"
        r"\. Nothing was restored: restore it into an empty database with the version that "
        "made it, then upgrade",
    ):
        call_command("restore", str(path), yes=True)

    assert Case.objects.count() == 2
    assert migrations_differ(_applied()) == ([], [])


def _cli(env: dict[str, str], *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own interpreter and arguments
        [sys.executable, "-m", "reliefline", *argv],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_a_backup_taken_before_an_upgrades_migrate_is_refused_after_it_in_one_line(
    tmp_path: Path,
    scratch_env: dict[str, str],  # noqa: F811 - the fixture imported above
) -> None:
    """As an operator runs it: each command a process of its own, on a database file
    (SQLite) or a database of its own (PostgreSQL)."""
    path = tmp_path / "before-upgrade.bak"
    for argv in (
        ("migrate",),
        ("migrate", "aid", AID_BEFORE),  # the release before: aid before 0006
        ("backup", "--output", str(path)),
        ("migrate",),  # the upgrade
    ):
        done = _cli(scratch_env, *argv)
        assert done.returncode == 0, done.stdout + done.stderr

    refused = _cli(scratch_env, "restore", str(path), "--yes")

    assert refused.returncode == 1
    assert "Traceback" not in refused.stderr
    assert (
        refused.stderr.strip()
        .splitlines()[-1]
        .startswith("CommandError: The backup was made by an older reliefline: it lacks ")
    )
    assert "[ ]" not in _cli(scratch_env, "showmigrations", "aid").stdout


def test_restore_refuses_a_backup_of_a_newer_schema_and_changes_nothing(tmp_path: Path) -> None:
    open_case()
    path = _backup(tmp_path)
    _manifest_edit(path, migrations=[*_applied(), "hotline.0099_from_a_newer_version"])
    open_case(given_name="Олена", phone="+380671234567")

    with pytest.raises(
        CommandError,
        match=r"newer reliefline: it holds 1 migration this version does not know "
        r"\(hotline\.0099_from_a_newer_version\)\. Nothing was restored",
    ):
        call_command("restore", str(path), yes=True)

    assert Case.objects.count() == 2


def test_restore_refuses_a_manifest_that_does_not_list_the_migrations(tmp_path: Path) -> None:
    open_case()
    path = _backup(tmp_path)
    _manifest_edit(path, migrations=None)
    open_case(given_name="Олена", phone="+380671234567")

    with pytest.raises(CommandError, match="does not list the backup's migrations"):
        call_command("restore", str(path), yes=True)

    assert Case.objects.count() == 2


def test_the_manifest_lists_the_migrations_of_the_copy(tmp_path: Path) -> None:
    path = _backup(tmp_path)

    manifest = json.loads((path.parent / (path.name + ".json")).read_text())

    assert manifest["migrations"] == _applied()
    assert migrations_differ(manifest["migrations"]) == ([], [])


SQUASHED = """
from django.db import migrations


class Migration(migrations.Migration):
    replaces = [("partners", "0001_partners"), ("partners", "0002_manifest_permission")]
    dependencies = [("aid", "0001_ledger")]
    operations = []
"""


def test_a_squashed_migration_counts_as_its_replaced_ones(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Once partners' migrations are squashed and their files gone, a backup made
    before still matches (Django counts the squash applied), and one made after holds
    the replaced names beside it, which are no migrations of a newer version."""
    package = tmp_path / "squashed_partners"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "0001_squashed_0002.py").write_text(SQUASHED)
    monkeypatch.syspath_prepend(str(tmp_path))
    before = _applied()
    after = sorted([*before, "partners.0001_squashed_0002"])
    half = [label for label in before if label != "partners.0002_manifest_permission"]

    with override_settings(MIGRATION_MODULES={"partners": "squashed_partners"}):
        assert migrations_differ(before) == ([], [])
        assert migrations_differ(after) == ([], [])
        assert migrations_differ(half) == (["partners.0001_squashed_0002"], [])
        # An app removed since leaves its rows behind; it is no newer schema.
        assert migrations_differ([*before, "gone.0001_initial"]) == ([], [])


def test_check_deploy_reads_the_keys_of_a_database_not_fully_migrated(
    aid_migrated_back: None,
) -> None:
    """An upgrade checked before `reliefline migrate`: the newer tables and columns
    are not there yet, the data of the others is checked."""
    old = crypto.generate_key()
    with override_settings(FIELD_KEYS=[old]):
        open_case(phone="+380501234567")
        old_id = crypto.field_keys()[0].key_id

    (error,) = _field_key_checks(keys=[crypto.generate_key()])

    assert error.id == "reliefline.E005"
    assert f"field key {old_id}, " in error.msg
