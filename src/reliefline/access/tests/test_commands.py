import datetime as dt
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core import checks
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client, override_settings
from django.utils import translation

from reliefline.access import crypto
from reliefline.access.crypto import generate_key
from reliefline.access.management.commands.serve import ACCESS_LOG_FORMAT
from reliefline.access.models import ApiToken
from reliefline.access.tests.factories import UserFactory
from reliefline.access.tests.test_migrations import scratch_env  # noqa: F401 - a fixture
from reliefline.hotline.models import Case
from reliefline.hotline.tests.factories import open_case

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_adduser_with_password_puts_user_in_role_group() -> None:
    run("adduser", "olena", "--role", "operator", "--password", "sunflower-field-1991")

    user = User.objects.get(username="olena")
    assert list(user.groups.values_list("name", flat=True)) == ["operator"]
    assert user.check_password("sunflower-field-1991")
    assert not user.is_staff


def test_adduser_without_password_prints_one_that_works() -> None:
    output = run("adduser", "petro", "--role", "coordinator")

    password = output.strip().splitlines()[-1].split("password: ")[1]
    assert User.objects.get(username="petro").check_password(password)


def test_adduser_admin_is_staff_and_superuser() -> None:
    run("adduser", "root", "--role", "admin")

    user = User.objects.get(username="root")
    assert (user.is_staff, user.is_superuser) == (True, True)


def test_adduser_unknown_role_lists_the_roles_and_stores_nothing() -> None:
    with pytest.raises(CommandError, match="operator, coordinator, field, partner, dpo, admin"):
        run("adduser", "nobody", "--role", "general")

    assert not User.objects.filter(username="nobody").exists()


def test_adduser_refuses_an_existing_user() -> None:
    UserFactory(username="olena", role="operator")

    with pytest.raises(CommandError, match="already exists"):
        run("adduser", "olena", "--role", "admin")


def test_adduser_refuses_a_weak_password() -> None:
    with translation.override("en"), pytest.raises(CommandError, match="too short"):
        run("adduser", "olena", "--role", "operator", "--password", "x1")


def test_adduser_update_changes_role_and_password() -> None:
    UserFactory(username="olena", role="operator")

    run("adduser", "olena", "--role", "dpo", "--password", "another-long-phrase", "--update")

    user = User.objects.get(username="olena")
    assert list(user.groups.values_list("name", flat=True)) == ["dpo"]
    assert user.check_password("another-long-phrase")


def test_token_last_line_is_a_bearer_token_for_the_api(gazetteer: None) -> None:
    UserFactory(username="olena", role="operator")

    token = run("token", "olena").strip().splitlines()[-1]

    response = Client().get(
        "/api/v1/places",
        {"q": "Суджа"},
        headers={"Authorization": f"Bearer {token}"},
        secure=True,
    )
    assert response.status_code == 200
    assert response.json()[0]["name"]["en"] == "Sudzha"


def test_token_stores_only_its_digest() -> None:
    UserFactory(username="olena", role="operator")

    token = run("token", "olena").strip().splitlines()[-1]

    assert ApiToken.objects.get().digest == ApiToken.hash(token)
    assert not ApiToken.objects.filter(digest=token).exists()


def test_token_for_an_unknown_user_fails() -> None:
    with pytest.raises(CommandError, match="No user ghost"):
        run("token", "ghost")


def test_reprioritise_counts_cases_whose_priority_changed() -> None:
    case = open_case()
    Case.objects.filter(pk=case.pk).update(created_at=case.created_at - dt.timedelta(hours=10))

    assert run("reprioritise").strip() == "Reprioritised 1 open cases."


def test_serve_collects_static_then_runs_gunicorn_on_loopback(
    monkeypatch: pytest.MonkeyPatch, settings, tmp_path: Path
) -> None:
    settings.STATIC_ROOT = tmp_path / "static"
    # Production's hashed-name storage (the suite serves plain names, see conftest).
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    monkeypatch.delenv("RELIEFLINE_INSECURE_HTTP", raising=False)
    calls: list[tuple[str, list[str], dict[str, str]]] = []
    monkeypatch.setattr(os, "execve", lambda *a: calls.append(a))

    run("serve", "--port", "8123", "--workers", "2")

    (_executable, argv, env) = calls[0]
    assert argv[1:] == [
        "-m",
        "gunicorn",
        "reliefline.wsgi:application",
        "--bind",
        "127.0.0.1:8123",
        "--workers",
        "2",
        "--access-logfile",
        "-",
        "--access-logformat",
        ACCESS_LOG_FORMAT,
        "--no-control-socket",
    ]
    assert "RELIEFLINE_INSECURE_HTTP" not in env
    assert (tmp_path / "static" / "staticfiles.json").exists()


def _check_deploy(tmp_path: Path, **changed: str) -> subprocess.CompletedProcess[str]:
    """Run `reliefline check --deploy`, on a fresh install's database unless `changed`
    names another: SQLite under `tmp_path`, not migrated yet."""
    env = {
        **os.environ,
        "RELIEFLINE_SECRET_KEY": secrets.token_urlsafe(64),
        "RELIEFLINE_FIELD_KEYS": generate_key(),
        "RELIEFLINE_DATA_DIR": str(tmp_path),
        "RELIEFLINE_DEBUG": "0",
        "RELIEFLINE_NOTIFY_BACKEND": "live",
        "DJANGO_SETTINGS_MODULE": "reliefline.settings",
    }
    env.pop("RELIEFLINE_INSECURE_HTTP", None)
    env.pop("DATABASE_URL", None)
    env.update(changed)
    return subprocess.run(
        [sys.executable, "-m", "reliefline", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_deploy_is_clean_with_real_keys_and_debug_off(tmp_path: Path) -> None:
    result = _check_deploy(tmp_path)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "(security.W" not in result.stdout + result.stderr


@pytest.mark.parametrize("backend", ["console", "file"])
def test_check_deploy_warns_that_notices_go_nowhere(tmp_path: Path, backend: str) -> None:
    result = _check_deploy(tmp_path, RELIEFLINE_NOTIFY_BACKEND=backend)

    assert result.returncode != 0
    assert f"(reliefline.W002) RELIEFLINE_NOTIFY_BACKEND is '{backend}'" in result.stderr
    assert "RELIEFLINE_NOTIFY_BACKEND=live" in result.stderr


@pytest.mark.parametrize(
    ("changed", "error"),
    [
        ({"RELIEFLINE_SECRET_KEY": "short"}, "reliefline.E001"),
        ({"RELIEFLINE_FIELD_KEYS": ""}, "reliefline.E002"),
        ({"RELIEFLINE_FIELD_KEYS": "not-a-key"}, "reliefline.E003"),
        ({"RELIEFLINE_REQUIRE_2FA": "0"}, "reliefline.E004"),
    ],
    ids=["weak secret key", "no field keys", "malformed field key", "no second factor"],
)
def test_check_deploy_refuses_what_production_must_not_run_without(
    tmp_path: Path, changed: dict[str, str], error: str
) -> None:
    result = _check_deploy(tmp_path, **changed)

    assert result.returncode != 0
    assert error in result.stdout + result.stderr
    assert "Traceback" not in result.stderr


OLD, NEW = generate_key(), generate_key()


def _field_key_checks(*, keys: list[str]) -> list[checks.CheckMessage]:
    """Return what `check --deploy` says of the field keys of the suite's database."""
    with override_settings(DEBUG=False, FIELD_KEYS=keys):
        found = checks.run_checks(include_deployment_checks=True)
    return [message for message in found if message.id in ("reliefline.E005", "reliefline.W001")]


def test_check_deploy_names_the_id_of_a_key_the_data_needs_and_no_key() -> None:
    with override_settings(FIELD_KEYS=[OLD]):
        open_case(phone="+380501234567")
        old_id = crypto.field_keys()[0].key_id
    with override_settings(FIELD_KEYS=[NEW]):
        open_case(given_name="Олена", phone="+380671234567")

    (error,) = _field_key_checks(keys=[NEW])

    assert (error.id, error.level) == ("reliefline.E005", checks.ERROR)
    assert f"encrypted with field key {old_id}, which RELIEFLINE_FIELD_KEYS" in error.msg
    assert OLD not in error.msg
    assert NEW not in error.msg


def test_check_deploy_passes_data_under_an_older_key_still_configured() -> None:
    with override_settings(FIELD_KEYS=[OLD]):
        open_case(phone="+380501234567")

    assert _field_key_checks(keys=[NEW, OLD]) == []


def test_check_deploy_is_clean_on_a_database_not_migrated_yet(
    tmp_path: Path,
    scratch_env: dict[str, str],  # noqa: F811 - the fixture imported above
) -> None:
    """A fresh install runs `check --deploy` before `migrate` (running.md)."""
    database = (
        {"DATABASE_URL": scratch_env["DATABASE_URL"]} if "DATABASE_URL" in scratch_env else {}
    )

    result = _check_deploy(tmp_path, **database)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_warns_that_it_could_not_read_the_database(tmp_path: Path) -> None:
    result = _check_deploy(tmp_path, DATABASE_URL="postgres://nobody@127.0.0.1:1/nowhere")

    assert "reliefline.W001" in result.stderr
    assert "were not compared with RELIEFLINE_FIELD_KEYS" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_access_log_keeps_the_path_but_no_query_string_nor_referrer(tmp_path: Path) -> None:
    """A caller lookup's ?phone=…&family_name=… must not land in clear text in the log."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "reliefline.settings",
        "RELIEFLINE_DATA_DIR": str(tmp_path),
        "RELIEFLINE_DEBUG": "1",
    }
    argv = [
        *(sys.executable, "-m", "gunicorn", "reliefline.wsgi:application"),
        *("--bind", f"127.0.0.1:{port}", "--workers", "1", "--no-control-socket"),
        *("--access-logfile", "-", "--access-logformat", ACCESS_LOG_FORMAT),
    ]
    server = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
        argv,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    try:
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/healthz?phone=%2B79101234567&family_name=Sokolova",
            headers={"Referer": f"http://127.0.0.1:{port}/hotline/new/?given_name=Natalia"},
        )
        for _attempt in range(100):
            try:
                with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
                    assert response.status == 200
                break
            except OSError:
                time.sleep(0.1)
    finally:
        server.terminate()
        logged = server.communicate(timeout=30)[0].decode()
    assert '"GET /healthz HTTP/1.1" 200' in logged
    assert "79101234567" not in logged
    assert "Sokolova" not in logged and "Natalia" not in logged
