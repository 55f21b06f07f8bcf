"""Backups and the field keys: a restore the configured keys cannot read is refused, and
commands that meet a value under a missing key stop with one line, not a traceback."""

import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command, load_command_class
from django.test import override_settings

from reliefline.access import crypto
from reliefline.access.tests.factories import UserFactory
from reliefline.hotline.models import Case
from reliefline.hotline.tests.factories import open_case

pytestmark = pytest.mark.django_db(transaction=True)

OLD, NEW = crypto.generate_key(), crypto.generate_key()


def _key_id(key: str) -> str:
    with override_settings(FIELD_KEYS=[key]):
        return crypto.field_keys()[0].key_id


def _backup(tmp_path: Path) -> Path:
    path = tmp_path / "drill" / "reliefline.bak"
    call_command("backup", output=path, stdout=open("/dev/null", "w"))  # noqa: SIM115
    return path


def _manifest(path: Path) -> Path:
    return path.parent / (path.name + ".json")


def _old_key_backup(tmp_path: Path, *, keys: list[str] | None) -> Path:
    """Return a backup of a case sealed with OLD, its manifest listing `keys` (None: no
    list, as manifests were written before they listed the keys)."""
    with override_settings(FIELD_KEYS=[OLD]):
        open_case(phone="+380501234567")
        path = _backup(tmp_path)
    manifest = json.loads(_manifest(path).read_text())
    if keys is None:
        del manifest["field_key_ids"]
    else:
        manifest["field_key_ids"] = keys
    _manifest(path).write_text(json.dumps(manifest))
    return path


def _cli(app: str, *argv: str) -> None:
    """Run a command as `reliefline` does: a CommandError is printed, then sys.exit."""
    load_command_class(app, argv[0]).run_from_argv(["reliefline", *argv])


def test_manifest_records_the_ids_of_the_keys_in_use_and_no_key(tmp_path: Path) -> None:
    with override_settings(FIELD_KEYS=[OLD]):
        open_case(phone="+380501234567")
    with override_settings(FIELD_KEYS=[NEW, OLD]):
        path = _backup(tmp_path)

    text = _manifest(path).read_text()

    # NEW is configured but seals nothing yet: only the key the data needs is listed.
    assert json.loads(text)["field_key_ids"] == [_key_id(OLD)]
    assert OLD not in text
    assert NEW not in text


def test_manifest_lists_every_key_while_a_rotation_is_half_done(tmp_path: Path) -> None:
    with override_settings(FIELD_KEYS=[OLD]):
        open_case(phone="+380501234567")
    with override_settings(FIELD_KEYS=[NEW, OLD]):
        open_case(given_name="Олена", phone="+380671234567")
        path = _backup(tmp_path)

    assert json.loads(_manifest(path).read_text())["field_key_ids"] == sorted(
        [_key_id(OLD), _key_id(NEW)]
    )


def test_restore_without_the_backups_key_is_refused_and_changes_nothing(tmp_path: Path) -> None:
    with override_settings(FIELD_KEYS=[OLD]):
        open_case(phone="+380501234567")
        path = _backup(tmp_path)
        open_case(given_name="Олена", phone="+380671234567")

    with (
        override_settings(FIELD_KEYS=[NEW]),
        pytest.raises(CommandError, match=f"field key {_key_id(OLD)}, .*nothing was restored"),
    ):
        call_command("restore", str(path), yes=True)

    with override_settings(FIELD_KEYS=[OLD]):
        assert Case.objects.count() == 2


def test_restore_with_the_backups_key_among_newer_ones_succeeds(tmp_path: Path) -> None:
    with override_settings(FIELD_KEYS=[OLD]):
        open_case(message="insulin")
        path = _backup(tmp_path)
        Case.objects.all().delete()

    with override_settings(FIELD_KEYS=[NEW, OLD]):
        call_command("restore", str(path), yes=True, stdout=open("/dev/null", "w"))  # noqa: SIM115

        assert Case.objects.get().message == "insulin"


def test_restore_checks_the_keys_of_what_it_restored_too(tmp_path: Path) -> None:
    path = _old_key_backup(tmp_path, keys=[])  # a manifest that is wrong about the keys

    with (
        override_settings(FIELD_KEYS=[NEW]),
        pytest.raises(CommandError, match=f"encrypted with field key {_key_id(OLD)}, "),
    ):
        call_command("restore", str(path), yes=True, stdout=open("/dev/null", "w"))  # noqa: SIM115


def test_an_older_backup_restores_with_a_warning_and_then_checks_its_keys(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _old_key_backup(tmp_path, keys=None)

    with (
        override_settings(FIELD_KEYS=[NEW]),
        pytest.raises(CommandError, match=f"encrypted with field key {_key_id(OLD)}, "),
    ):
        call_command("restore", str(path), yes=True)

    assert "could be checked only once restored" in capsys.readouterr().err


def test_an_older_backup_restores_when_its_keys_are_configured(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _old_key_backup(tmp_path, keys=None)

    with override_settings(FIELD_KEYS=[OLD]):
        call_command("restore", str(path), yes=True)

    out = capsys.readouterr()
    assert "could be checked only once restored" in out.err
    assert "every field key the data is encrypted with is configured" in out.out


def test_export_subject_without_the_key_stops_with_one_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with override_settings(FIELD_KEYS=[OLD]):
        case = open_case(phone="+380501234567")
    UserFactory(username="dpo1", role="dpo")

    with override_settings(FIELD_KEYS=[NEW]), pytest.raises(SystemExit) as exit:
        _cli("reliefline.hotline", "export-subject", str(case.caller_id), "--by", "dpo1")

    assert exit.value.code == 1
    err = capsys.readouterr().err
    assert f"encrypted with field key {_key_id(OLD)}, " in err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_rotate_keys_without_the_old_key_stops_with_one_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with override_settings(FIELD_KEYS=[OLD]):
        open_case(phone="+380501234567")

    with override_settings(FIELD_KEYS=[NEW]), pytest.raises(SystemExit) as exit:
        _cli("reliefline.access", "rotate-keys")

    assert exit.value.code == 1
    err = capsys.readouterr().err
    last = err.strip().splitlines()[-1]  # the progress bars come first
    assert f"encrypted with field key {_key_id(OLD)}, " in last
    assert "Traceback" not in err
