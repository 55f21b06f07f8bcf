"""The backup and restore drill, on whichever database the suite runs (SQLite or PostgreSQL)."""

import json
import threading
import time
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from conftest import threads_database, together
from reliefline.access.audit import audit_verify
from reliefline.access.backup import backup_create, backup_restore
from reliefline.hotline.models import Case
from reliefline.hotline.tests.factories import open_case

pytestmark = pytest.mark.django_db(transaction=True)


def _backup(tmp_path: Path) -> Path:
    path = tmp_path / "drill" / "reliefline.bak"
    call_command("backup", output=path, stdout=open("/dev/null", "w"))  # noqa: SIM115
    return path


def test_restore_brings_back_exactly_what_the_backup_held(tmp_path: Path) -> None:
    kept = open_case(given_name="Ирина")
    path = _backup(tmp_path)
    later = open_case(given_name="Олена", phone="+380501234567")

    call_command("restore", str(path), yes=True, stdout=open("/dev/null", "w"))  # noqa: SIM115

    assert list(Case.objects.values_list("reference", flat=True)) == [kept.reference]
    assert not Case.objects.filter(pk=later.pk).exists()
    assert audit_verify().intact


def test_manifest_records_checksum_and_row_counts(tmp_path: Path) -> None:
    open_case()
    path = tmp_path / "copy.bak"

    report = backup_create(path)

    manifest = json.loads((tmp_path / "copy.bak.json").read_text())
    assert manifest["sha256"] == report.sha256
    assert manifest["counts"]["hotline_case"] == 1
    assert manifest["counts"]["people_person"] == 1
    assert "hotline.0001_initial" in manifest["migrations"]
    assert not (tmp_path / "copy.bak.partial").exists()


def test_a_damaged_backup_is_refused_and_nothing_changes(tmp_path: Path) -> None:
    open_case()
    path = _backup(tmp_path)
    open_case(given_name="Олена", phone="+380501234567")
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))

    with pytest.raises(CommandError, match="checksum"):
        call_command("restore", str(path), yes=True)

    assert Case.objects.count() == 2


def test_a_backup_without_its_manifest_is_refused(tmp_path: Path) -> None:
    path = _backup(tmp_path)
    (path.parent / (path.name + ".json")).unlink()

    with pytest.raises(CommandError, match="manifest"):
        call_command("restore", str(path), yes=True)


def test_a_backup_of_the_other_engine_is_refused(tmp_path: Path) -> None:
    path = _backup(tmp_path)
    manifest_path = path.parent / (path.name + ".json")
    manifest = json.loads(manifest_path.read_text())
    manifest["engine"] = "postgresql" if manifest["engine"] == "sqlite" else "sqlite"
    manifest_path.write_text(json.dumps(manifest))

    with pytest.raises(CommandError, match="backup; the database is"):
        call_command("restore", str(path), yes=True)


def test_restore_asks_first_and_stops_unless_told_restore(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _backup(tmp_path)
    open_case()
    monkeypatch.setattr("builtins.input", lambda prompt: "no")

    with pytest.raises(CommandError, match="Nothing restored"):
        call_command("restore", str(path))

    assert Case.objects.count() == 1


def test_a_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="No backup at"):
        call_command("restore", str(tmp_path / "nowhere.bak"), yes=True)


def test_counts_are_those_of_the_copy_while_the_hotline_keeps_writing(tmp_path: Path) -> None:
    """The manifest's counts are read in the copy's own snapshot: a case opened while
    the backup runs is in both or in neither, so the restore's check agrees."""
    open_case()
    name = threads_database(tmp_path)
    path = tmp_path / "busy.bak"
    done = threading.Event()
    written: list[int] = []

    def work(i: int) -> object:
        if i == 0:
            try:
                time.sleep(0.05)  # the writer is under way
                return backup_create(path)
            finally:
                done.set()
        while not done.is_set():
            written.append(open_case(given_name="Ирина").pk)
        return None

    made, _writer = together(work, 2, database=name)
    assert not isinstance(made, Exception), made
    (restored,) = together(lambda _i: backup_restore(path), 1, database=name)

    assert not isinstance(restored, Exception), restored
    assert restored.differences == {}
    assert restored.ok
    assert len(written) > 1
