"""Importing a registry and looking for duplicates from the browser, on the task worker."""

import csv
import io
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django_tasks_db.models import DBTaskResult

from reliefline.access.models import AuditEntry, Operation, OperationFile
from reliefline.access.operations import OperationProgress
from reliefline.access.tests.factories import UserFactory
from reliefline.people import dedupe as dedupe_module
from reliefline.people.importing import COLUMNS
from reliefline.people.models import DuplicateCluster, Person
from reliefline.people.operations import DEDUPE, IMPORT
from reliefline.people.tasks import dedupe_task, people_import_task
from reliefline.people.tests.factories import PersonFactory
from reliefline.people.tests.test_import import IRYNA, write_csv

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _one_process(settings: Any) -> None:
    # The test process has other threads; the worker's forked preparers are tested apart.
    settings.RELIEFLINE_IMPORT_JOBS = 1


def _registry(*rows: dict[str, str], header: tuple[str, ...] = COLUMNS) -> SimpleUploadedFile:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return SimpleUploadedFile("registry.csv", out.getvalue().encode(), "text/csv")


ROWS = (
    {**IRYNA, "settlement": ""},
    {
        **IRYNA,
        "external_id": "reg-2",
        "given_name": "Олег",
        "phone": "+79101110002",
        "settlement": "",
    },
    {**IRYNA, "external_id": "reg-3", "phone": "not a phone", "settlement": ""},
)


def _upload(client: Client, registry: SimpleUploadedFile, **fields: str) -> Any:
    data = {"legal_basis": "public_interest", "consent_method": "not_obtained", **fields}
    return client.post("/people/import/", {**data, "file": registry})


def test_a_coordinator_uploads_a_registry_and_the_worker_imports_it(
    client_as: Callable[[str], Client],
) -> None:
    response = _upload(client_as("coordinator"), _registry(*ROWS))

    operation = Operation.objects.get(kind=IMPORT.name)
    assert response.status_code == 302
    assert response["Location"] == f"/access/operations/{operation.pk}/"
    assert (operation.status, operation.message) == ("queued", "registry.csv")
    people_import_task.call(operation_id=operation.pk)

    operation.refresh_from_db()
    assert operation.status == "done"
    assert (operation.result["created"], operation.result["rejected"]) == (2, 1)
    assert (operation.stage, operation.done, operation.total) == ("rows", 3, 3)
    assert Person.objects.filter(external_id__in=["reg-1", "reg-2"]).count() == 2
    assert list(operation.files.values_list("name", flat=True)) == ["rejected.csv"]


def test_the_rejected_rows_download_names_the_reason_and_is_audited(
    client_as: Callable[[str], Client],
) -> None:
    client = client_as("coordinator")
    _upload(client, _registry(*ROWS))
    operation = Operation.objects.get()
    people_import_task.call(operation_id=operation.pk)

    response = client.get(f"/access/operations/{operation.pk}/files/rejected.csv")

    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [(r["line"], r["field"], r["external_id"]) for r in rows] == [("4", "phone", "reg-3")]
    assert AuditEntry.objects.filter(
        action="export", record=f"access.operation:{operation.pk}"
    ).exists()


def test_a_file_without_the_columns_is_refused_and_nothing_is_stored(
    client_as: Callable[[str], Client],
) -> None:
    header = tuple(c for c in COLUMNS if c != "phone")
    response = _upload(client_as("coordinator"), _registry(IRYNA, header=header))
    assert response.status_code == 422
    assert "Missing columns: phone" in response.content.decode()
    assert not Operation.objects.exists() and not OperationFile.objects.exists()


def test_a_file_over_the_size_limit_is_refused(
    client_as: Callable[[str], Client], settings: Any
) -> None:
    settings.RELIEFLINE_IMPORT_MAX_MB = 0
    response = _upload(client_as("coordinator"), _registry(IRYNA))
    assert response.status_code == 422
    assert "larger than 0 MB" in response.content.decode()
    assert not Operation.objects.exists()


def test_consent_as_the_basis_without_a_method_is_refused(
    client_as: Callable[[str], Client],
) -> None:
    response = _upload(client_as("coordinator"), _registry(IRYNA), legal_basis="consent")
    assert response.status_code == 422
    assert not Operation.objects.exists()


@pytest.mark.parametrize("role", ["operator", "field", "partner", "dpo"])
def test_only_coordinators_may_import(client_as: Callable[[str], Client], role: str) -> None:
    client = client_as(role)
    assert client.get("/people/import/").status_code == 403
    assert _upload(client, _registry(IRYNA)).status_code == 403
    assert not Operation.objects.exists()


@pytest.mark.parametrize(("role", "status"), [("coordinator", 200), ("operator", 404)])
def test_an_import_is_seen_only_by_roles_that_may_import(
    client_as: Callable[[str], Client], role: str, status: int
) -> None:
    _upload(client_as("coordinator"), _registry(IRYNA))
    operation = Operation.objects.get()
    client = client_as(role)
    assert client.get(f"/access/operations/{operation.pk}/").status_code == status
    download = client.get(f"/access/operations/{operation.pk}/files/input.csv")
    assert download.status_code == status


def test_htmx_polls_get_only_the_progress_partial(client_as: Callable[[str], Client]) -> None:
    client = client_as("coordinator")
    _upload(client, _registry(IRYNA))
    operation = Operation.objects.get()

    polled = client.get(f"/access/operations/{operation.pk}/", headers={"HX-Request": "true"})

    body = polled.content.decode()
    assert body.lstrip().startswith(f'<section id="operation-{operation.pk}"')
    assert 'hx-trigger="every 1s"' in body  # still queued: the page keeps polling
    people_import_task.call(operation_id=operation.pk)
    done = client.get(f"/access/operations/{operation.pk}/", headers={"HX-Request": "true"})
    assert "hx-trigger" not in done.content.decode()  # done: the polling stops
    assert "1 of 1 row" in done.content.decode()


def test_the_command_line_import_is_recorded_for_the_page(tmp_path: Any) -> None:
    path = write_csv(tmp_path / "people.csv", [{**IRYNA, "settlement": ""}])
    call_command("import", "people", str(path), "--jobs", "1", stdout=io.StringIO())
    operation = Operation.objects.get(kind=IMPORT.name)
    assert (operation.status, operation.started_by, operation.result["created"]) == (
        "done",
        None,
        1,
    )


# ---- dedupe ----------------------------------------------------------------------------


def _twins() -> None:
    PersonFactory(given_name="Ирина", family_name="Верещук", patronymic="Николаевна")
    PersonFactory(given_name="Iryna", family_name="Vereshchuk", patronymic="", phone="")


def test_a_coordinator_starts_a_search_and_sees_the_new_clusters(
    client_as: Callable[[str], Client],
) -> None:
    _twins()
    client = client_as("coordinator")
    response = client.post("/people/duplicates/search/")
    operation = Operation.objects.get(kind=DEDUPE.name)
    assert response["Location"] == f"/access/operations/{operation.pk}/"

    dedupe_task.call(operation_id=operation.pk)

    operation.refresh_from_db()
    assert (operation.status, operation.stage) == ("done", "storing")
    assert (operation.result["new_clusters"], operation.result["found"]) == (1, 1)
    page = client.get("/people/duplicates/").content.decode()
    assert "Show the clusters to review" in page
    cluster = DuplicateCluster.objects.get()
    assert f"/people/duplicates/{cluster.pk}/" in page
    audit = AuditEntry.objects.get(record="people.person:dedupe")
    assert audit.user == operation.started_by


def test_a_second_search_is_refused_while_one_is_under_way(
    client_as: Callable[[str], Client],
) -> None:
    client = client_as("coordinator")
    client.post("/people/duplicates/search/")
    response = client.post("/people/duplicates/search/", follow=True)
    assert Operation.objects.filter(kind=DEDUPE.name).count() == 1
    assert "under way already" in response.content.decode()


def test_an_operator_may_not_start_a_search(client_as: Callable[[str], Client]) -> None:
    assert client_as("operator").post("/people/duplicates/search/").status_code == 403
    assert not Operation.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_the_task_worker_runs_a_search_started_from_the_page(
    client_as: Callable[[str], Client], settings: Any
) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    _twins()
    client_as("coordinator").post("/people/duplicates/search/")

    call_command("worker", "--batch", "--no-startup-delay")

    operation = Operation.objects.get(kind=DEDUPE.name)
    assert (operation.status, operation.result["new_clusters"]) == ("done", 1)
    assert UserFactory._meta.model.objects.filter(pk=operation.started_by_id).exists()


def test_an_operation_is_stored_with_its_job_not_after_the_commit(
    client_as: Callable[[str], Client], settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """Else a web worker killed after the commit would leave a search queued for ever,
    and a search is exclusive: none could be started again."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client_as("coordinator").post("/people/duplicates/search/")
    operation = Operation.objects.get(kind=DEDUPE.name)
    job = DBTaskResult.objects.get()
    assert job.args_kwargs["kwargs"] == {"operation_id": operation.pk}
    assert callbacks == []


def test_progress_is_written_while_the_matching_index_is_read(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The index is read through a server-side cursor on PostgreSQL: the progress
    # UPDATE runs on the same connection while that cursor is still open.
    monkeypatch.setattr(dedupe_module, "READ_CHUNK", 2)
    _twins()
    operation = Operation.objects.create(kind=DEDUPE.name, status="running")
    progress = OperationProgress(operation, interval=0.0)
    written: list[tuple[str, int]] = []

    def stage(name: str, total: int | None) -> Callable[[int], object]:
        step = progress.stage(name, total)

        def counted(n: int) -> None:
            step(n)
            written.append((name, progress.writes))

        return counted

    dedupe_module.dedupe_run(progress=stage)
    index_writes = [writes for name, writes in written if name == "index"]
    assert len(index_writes) >= 3 and index_writes == sorted(set(index_writes))
    operation.refresh_from_db()
    assert (operation.stage, operation.done) == ("storing", 1)
