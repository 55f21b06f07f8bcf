"""Long operations: starting, progress written between batches, failures, polling."""

import threading
from collections.abc import Iterator

import pytest
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext

from reliefline.access.models import AuditEntry, Operation, OperationFile, OperationStatus
from reliefline.access.operations import (
    Kind,
    OperationProgress,
    kind_register,
    operation_file_read,
    operation_file_store,
    operation_run,
    operation_start,
    operation_view,
    stages_tee,
)
from reliefline.access.tests.factories import UserFactory
from reliefline.errors import Conflict, InvalidInput

SLOW = kind_register(
    Kind(
        name="test.slow",
        label="Slow test work",
        permission="access.rotate_keys",
        task="reliefline.access.tasks.keys_rotate_task",
        page="access:keys",
        page_title="Encryption keys",
        results={"rows": "Rows"},
        exclusive=True,
    )
)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _started() -> Operation:
    return operation_start(SLOW, by=None, enqueue=False)


def _updates(queries: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if q["sql"].startswith("UPDATE")]


def test_starting_an_operation_queues_it_and_audits_who_started_it(db: None) -> None:
    user = UserFactory(role="dpo")
    operation = operation_start(SLOW, by=user, message="registry.csv", enqueue=False)
    assert (operation.status, operation.started_by, operation.done) == ("queued", user, 0)
    entry = AuditEntry.objects.get(record=f"access.operation:{operation.pk}")
    assert (entry.username, entry.action) == (user.username, "create")
    assert entry.purpose == f"start test.slow registry.csv, by {user.username}"


def test_a_second_exclusive_operation_is_refused_while_one_is_queued(db: None) -> None:
    first = _started()
    with pytest.raises(Conflict, match=f"#{first.pk} is under way already"):
        _started()
    assert Operation.objects.count() == 1


def test_progress_is_written_at_most_every_interval(db: None) -> None:
    operation = Operation.objects.create(kind=SLOW.name, status=OperationStatus.RUNNING)
    clock = Clock()
    progress = OperationProgress(operation, interval=0.5, clock=clock)
    step = progress.stage("rows", 1000)
    with CaptureQueriesContext(connection) as queries:
        for _ in range(100):
            step(1)  # 100 steps within the same instant
        clock.now = 0.6
        step(1)
    assert len(_updates(queries)) == 1
    operation.refresh_from_db()
    assert (operation.stage, operation.total, operation.done) == ("rows", 1000, 101)


def test_progress_waits_for_the_operations_batch_to_commit(db: None) -> None:
    operation = Operation.objects.create(kind=SLOW.name, status=OperationStatus.RUNNING)
    progress = OperationProgress(operation, interval=0.0)
    progress.stage("rows", 10)
    with CaptureQueriesContext(connection) as queries, transaction.atomic():
        progress.advance(5)  # inside the batch's transaction: counted, not written
    assert _updates(queries) == []
    assert progress.flush() is True
    operation.refresh_from_db()
    assert operation.done == 5


def test_a_finished_operation_records_its_result_and_counts(db: None) -> None:
    operation = _started()

    def work(progress: OperationProgress) -> dict[str, int]:
        step = progress.stage("rows", 3)
        for _ in range(3):
            with transaction.atomic():
                step(1)
        return {"rows": 3}

    finished = operation_run(operation.pk, work)
    assert (finished.status, finished.done, finished.total) == ("done", 3, 3)
    assert finished.result == {"rows": 3}
    assert finished.started_at is not None and finished.finished_at is not None


def test_a_failure_is_recorded_with_its_error_and_raised_again(db: None) -> None:
    operation = _started()

    def work(progress: OperationProgress) -> dict[str, int]:
        progress.stage("rows", 10)(4)
        raise InvalidInput("Missing columns: phone", field="file")

    with pytest.raises(InvalidInput, match="Missing columns"):
        operation_run(operation.pk, work)
    operation.refresh_from_db()
    assert (operation.status, operation.error, operation.done) == (
        "failed",
        "Missing columns: phone",
        4,
    )


def test_an_unexpected_error_is_recorded_with_its_type(db: None) -> None:
    operation = _started()

    def work(progress: OperationProgress) -> dict[str, int]:
        raise ZeroDivisionError("division by zero")

    with pytest.raises(ZeroDivisionError):
        operation_run(operation.pk, work)
    operation.refresh_from_db()
    assert operation.error == "ZeroDivisionError: division by zero"


def test_an_operation_delivered_twice_runs_once(db: None) -> None:
    operation = _started()
    runs = []

    def work(progress: OperationProgress) -> dict[str, int]:
        runs.append(1)
        return {"rows": 0}

    operation_run(operation.pk, work)
    operation_run(operation.pk, work)
    assert runs == [1]


def test_stages_tee_starts_each_stage_in_every_callback(db: None) -> None:
    operation = Operation.objects.create(kind=SLOW.name, status=OperationStatus.RUNNING)
    progress = OperationProgress(operation, interval=0.0)
    seen: list[tuple[str, int | None, int]] = []

    def terminal(name: str, total: int | None) -> object:
        return lambda n: seen.append((name, total, n))

    stages_tee(terminal, progress.stage)("keys", 7)(7)  # type: ignore[arg-type]
    operation.refresh_from_db()
    assert seen == [("keys", 7, 7)] and (operation.stage, operation.done) == ("keys", 7)


def test_the_view_reads_counts_in_words_and_the_result_labels(db: None) -> None:
    operation = Operation.objects.create(
        kind=SLOW.name, status=OperationStatus.DONE, total=200_000, done=12_000, result={"rows": 5}
    )
    view = operation_view(operation)
    assert view.counted == "12,000 of 200,000"
    assert view.results == [("Rows", "5")]


def test_operation_files_are_stored_encrypted_and_read_back(db: None) -> None:
    operation = _started()
    operation_file_store(operation, name="input.csv", content="ім'я,phone\n".encode())
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT content FROM {OperationFile._meta.db_table}")  # noqa: S608
        (stored,) = cursor.fetchone()
    assert stored.startswith("v1:") and "phone" not in stored
    assert operation_file_read(operation, name="input.csv") == "ім'я,phone\n".encode()


# ---- polling while the operation works, on PostgreSQL --------------------------------


@pytest.fixture
def worker_thread() -> Iterator[list[threading.Thread]]:
    threads: list[threading.Thread] = []
    yield threads
    for thread in threads:
        thread.join(timeout=10)


@pytest.mark.django_db(transaction=True)
def test_a_poller_reads_committed_progress_while_a_batch_is_open(
    worker_thread: list[threading.Thread],
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("two connections at once: PostgreSQL (SQLite's test database is shared-cache)")
    operation = _started()
    counted, release, finished = threading.Event(), threading.Event(), threading.Event()

    def work(progress: OperationProgress) -> dict[str, int]:
        step = progress.stage("rows", 100)
        step(40)
        progress.flush()  # between batches, as the throttle would after half a second
        with transaction.atomic():
            Operation.objects.filter(pk=operation.pk).update(message="batch")  # the batch's write
            step(20)  # inside the batch: only counted
            counted.set()
            release.wait(10)
        return {"rows": 60}

    def run() -> None:
        try:
            operation_run(operation.pk, work)
        finally:
            finished.set()
            connections.close_all()

    thread = threading.Thread(target=run)
    worker_thread.append(thread)
    thread.start()
    assert counted.wait(10)
    polled = Operation.objects.get(pk=operation.pk)  # this thread's own connection
    assert (polled.status, polled.done, polled.total, polled.message) == ("running", 40, 100, "")
    release.set()
    assert finished.wait(10)
    polled.refresh_from_db()
    assert (polled.status, polled.done, polled.message) == ("done", 60, "batch")
