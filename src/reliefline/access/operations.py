"""Long operations and their progress: registry imports, dedupe runs, key rotations.

An app declares each kind of long operation once (`kind_register`). A page or a
command starts one (`operation_start`, audited); the task worker or the command runs
it (`operation_run`), handing the work an OperationProgress, the same kind of callback
a terminal's tqdm bar gets, so the page and the terminal share one code path. A page
polls the row through templates/access/_operation.html.

Progress is written on the operation's own database connection, in autocommit, between
the operation's own transactions and at most every WRITE_INTERVAL seconds. Written
inside a batch's transaction it would stay invisible until the batch commits; written
through a second connection it would, on SQLite, wait for the batch's write lock.
"""

import base64
import datetime as dt
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.contrib.auth.models import AnonymousUser, User
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils import formats, timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from reliefline.access import audit_labels
from reliefline.access.audit import audit_record
from reliefline.access.models import AuditAction, Operation, OperationFile, OperationStatus
from reliefline.errors import Conflict, NotFound, ReliefError
from reliefline.jobs import task_enqueue

if TYPE_CHECKING:
    from django.utils.functional import _StrOrPromise as StrOrPromise

WRITE_INTERVAL = 0.5  # seconds between two progress writes, at the most
# A queued operation no worker took after this long: say that no worker may be running.
WAITING_HINT_AFTER = dt.timedelta(seconds=30)
# A running operation silent this long: its worker may have died.
SILENT_HINT_AFTER = dt.timedelta(minutes=5)
# Uploaded files and rejected rows hold personal data: kept this long, then deleted.
FILE_DAYS = 7
ERROR_MAX = 2000

Step = Callable[[int], object]
# Called at the start of each stage with its name and size; returns the step callback.
Stages = Callable[[str, int | None], Step]


@dataclass(frozen=True)
class Stage:
    """A stage's label, and how its count reads: `ngettext_lazy(..., "count")` taking
    `done` and `total` (already formatted) and the plural `count`."""

    label: "StrOrPromise"
    counted: "StrOrPromise"


@dataclass(frozen=True)
class Kind:
    """A kind of long operation: who may start and see it, and how its page reads it.

    `task` is the dotted path of the django-tasks task that runs it from the queue;
    `page` the URL name of the page that starts it, `page_title` that page's title;
    `results` the keys of its result summary, in display order, with their labels.
    """

    name: str
    label: "StrOrPromise"
    permission: str
    task: str
    page: str
    page_title: "StrOrPromise"
    results: Mapping[str, "StrOrPromise"]
    stages: Mapping[str, Stage] = field(default_factory=dict)
    # How a stage not in `stages` reads (its label is then the stage's name).
    other_stages: Stage | None = None
    follow_up: "StrOrPromise" = ""  # the link to `page` once done, e.g. "See the clusters"
    # At most one under way at a time (two dedupe runs would rebuild the same clusters).
    exclusive: bool = False


KINDS: dict[str, Kind] = {}


def kind_register(kind: Kind) -> Kind:
    """Return the kind, now known to the operation pages."""
    KINDS[kind.name] = kind
    return kind


def no_stages(name: str, total: int | None) -> Step:
    """Return a step that does nothing (the default progress of a long function)."""
    return lambda n: None


def steps_tee(*steps: Step) -> Callable[[int], None]:
    """Return one step callback that calls each of these (a tqdm bar and a record)."""

    def step(n: int) -> None:
        for one in steps:
            one(n)

    return step


def stages_tee(*stages: Stages) -> Stages:
    """Return one stages callback that starts the stage in each of these."""

    def stage(name: str, total: int | None) -> Step:
        return steps_tee(*(one(name, total) for one in stages))

    return stage


class OperationProgress:
    """An operation's progress, counted in memory and written to its row now and then.

    `stage` and `advance` are the callbacks a long function takes. A write happens at
    most every `interval` seconds, and never while a transaction opened after this
    object was made is open (the operation's batch): the count waits for the next call
    after the batch commits. `flush` writes whatever is pending.
    """

    def __init__(
        self,
        operation: Operation,
        *,
        interval: float = WRITE_INTERVAL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.pk = operation.pk
        self.stage_name = operation.stage
        self.total = operation.total
        self.done = operation.done
        self.interval = interval
        self.clock = clock
        self.writes = 0
        self._depth = len(connection.atomic_blocks)
        self._written_at = -math.inf
        self._pending = False

    def stage(self, name: str, total: int | None) -> Step:
        """Start a stage of `total` units (None: not known); return the step callback."""
        self.stage_name, self.total, self.done = name[:40], total, 0
        self._pending = True
        self._write(now=True)
        return self.advance

    def advance(self, n: int) -> None:
        """Count `n` more units done in the current stage."""
        self.done += n
        self._pending = True
        self._write(now=False)

    def flush(self) -> bool:
        """Write what is pending unless inside the operation's transaction; return whether."""
        return self._write(now=True)

    def _write(self, *, now: bool) -> bool:
        if not self._pending or len(connection.atomic_blocks) > self._depth:
            return False
        moment = self.clock()
        if not now and moment - self._written_at < self.interval:
            return False
        # A short transaction of its own: one UPDATE in autocommit.
        Operation.objects.filter(pk=self.pk).update(
            stage=self.stage_name, total=self.total, done=self.done, updated_at=timezone.now()
        )
        self._written_at = moment
        self._pending = False
        self.writes += 1
        return True


def _who(by: User | None) -> str:
    return by.username if by is not None else "command line"


@transaction.atomic
def operation_start(
    kind: Kind,
    *,
    by: User | None,
    params: Mapping[str, Any] | None = None,
    files: Mapping[str, bytes] | None = None,
    message: str = "",
    enqueue: bool = True,
) -> Operation:
    """Return a new queued operation, audited, with its input files stored.

    With `enqueue`, the kind's task is queued with it (reliefline.jobs), for any
    task worker to run; a command passes False and runs it itself (operation_run).
    Files older than FILE_DAYS, of any operation, are deleted on the way. Raise
    Conflict when the kind is exclusive and one is under way already.
    """
    if kind.exclusive:
        busy = operation_under_way(kind)
        if busy is not None:
            raise Conflict(
                _("%(kind)s #%(pk)s is under way already; wait for it to finish.")
                % {"kind": kind.label, "pk": busy.pk}
            )
    operation = Operation.objects.create(
        kind=kind.name, started_by=by, params=dict(params or {}), message=message[:200]
    )
    for name, content in (files or {}).items():
        operation_file_store(operation, name=name, content=content)
    audit_record(
        user=by,
        action=AuditAction.CREATE,
        record=f"access.operation:{operation.pk}",
        purpose=audit_labels.OPERATION_START.text(
            operation=" ".join(filter(None, [kind.name, message[:80]])), user=_who(by)[:40]
        ),
    )
    OperationFile.objects.filter(
        created_at__lt=timezone.now() - dt.timedelta(days=FILE_DAYS)
    ).delete()
    if enqueue:
        task_enqueue(import_string(kind.task), operation_id=operation.pk)
    return operation


def _describe(error: BaseException) -> str:
    if isinstance(error, ReliefError):
        return error.message
    if isinstance(error, KeyboardInterrupt | SystemExit):
        return _("Interrupted before the end; running it again continues the work.")
    return f"{type(error).__name__}: {error}"[:ERROR_MAX]


def operation_run(
    operation_id: int, work: Callable[[OperationProgress], Mapping[str, Any]]
) -> Operation:
    """Run a queued operation's work and record how it ended; return the operation.

    The work gets the progress callbacks and returns the result summary (JSON). The
    operation is claimed with a conditional update, so a task delivered twice runs
    once. An exception is recorded as the failure, then raised again.
    """
    now = timezone.now()
    claimed = Operation.objects.filter(pk=operation_id, status=OperationStatus.QUEUED).update(
        status=OperationStatus.RUNNING, started_at=now, updated_at=now
    )
    operation = Operation.objects.get(pk=operation_id)
    if not claimed:
        return operation
    progress = OperationProgress(operation)
    try:
        result = dict(work(progress))
    except BaseException as error:
        _finish(progress, status=OperationStatus.FAILED, error=_describe(error))
        raise
    _finish(progress, status=OperationStatus.DONE, result=result)
    operation.refresh_from_db()
    return operation


def _finish(
    progress: OperationProgress,
    *,
    status: OperationStatus,
    result: dict[str, Any] | None = None,
    error: str = "",
) -> None:
    now = timezone.now()
    Operation.objects.filter(pk=progress.pk).update(
        status=status,
        stage=progress.stage_name,
        total=progress.total,
        done=progress.done,
        result=result or {},
        error=error,
        updated_at=now,
        finished_at=now,
    )


# ---- files ---------------------------------------------------------------------------


def operation_file_store(operation: Operation, *, name: str, content: bytes) -> OperationFile:
    """Return the file stored (encrypted) with the operation, replacing one of that name."""
    OperationFile.objects.filter(operation=operation, name=name).delete()
    return OperationFile.objects.create(
        operation=operation,
        name=name[:100],
        size=len(content),
        content=base64.b64encode(content).decode("ascii"),
    )


def operation_file_read(operation: Operation, *, name: str) -> bytes:
    """Return the content of the operation's file, or raise NotFound."""
    found = OperationFile.objects.filter(operation=operation, name=name).first()
    if found is None:
        raise NotFound(_("No file %(name)s.") % {"name": name[:100]}, field="name")
    return base64.b64decode(found.content)


def operation_file_drop(operation: Operation, *, name: str) -> None:
    """Delete the operation's file of that name, if there is one."""
    OperationFile.objects.filter(operation=operation, name=name).delete()


# ---- reads ---------------------------------------------------------------------------


def operation_get(pk: int, *, user: User | AnonymousUser) -> Operation:
    """Return the operation if its kind is one the user may see, else raise NotFound."""
    found = Operation.objects.select_related("started_by").filter(pk=pk).first()
    kind = KINDS.get(found.kind) if found is not None else None
    if found is None or kind is None or not user.has_perm(kind.permission):
        raise NotFound(_("No such operation."))
    return found


def operation_under_way(kind: Kind) -> Operation | None:
    """Return an operation of the kind that is queued, or running and not silent."""
    alive = timezone.now() - SILENT_HINT_AFTER
    return (
        Operation.objects.filter(kind=kind.name)
        .filter(
            Q(status=OperationStatus.QUEUED)
            | Q(status=OperationStatus.RUNNING, updated_at__gte=alive)
        )
        .first()
    )


def operations_recent(kind: Kind, *, limit: int = 5) -> QuerySet[Operation]:
    """Return the newest operations of a kind, newest first."""
    return Operation.objects.filter(kind=kind.name).select_related("started_by")[:limit]


@dataclass(frozen=True)
class OperationView:
    """What the progress partial shows of an operation."""

    operation: Operation
    kind: Kind
    stage: str
    counted: str
    results: list[tuple[str, str]]
    files: list[tuple[str, int]]
    waiting: bool  # queued for long: no worker may be running
    silent: bool  # running without progress for long: the worker may have died


def _number(value: int) -> str:
    return formats.number_format(value, force_grouping=True)


def operation_view(operation: Operation) -> OperationView:
    """Return the operation as the progress partial shows it, in the active language."""
    kind = KINDS[operation.kind]
    stage = kind.stages.get(operation.stage, kind.other_stages)
    counted = ""
    if operation.total is not None:
        values = {
            "count": operation.total,
            "done": _number(operation.done),
            "total": _number(operation.total),
        }
        counted = (stage.counted if stage else _("%(done)s of %(total)s")) % values
    now = timezone.now()
    results = [
        (str(label), _number(value) if isinstance(value, int) else str(value))
        for key, label in kind.results.items()
        if (value := operation.result.get(key)) is not None
    ]
    return OperationView(
        operation=operation,
        kind=kind,
        stage=str(stage.label or operation.stage) if stage else operation.stage,
        counted=counted,
        results=results,
        files=list(operation.files.order_by("name").values_list("name", "size")),
        waiting=operation.status == OperationStatus.QUEUED
        and now - operation.created_at > WAITING_HINT_AFTER,
        silent=operation.status == OperationStatus.RUNNING
        and now - (operation.updated_at or now) > SILENT_HINT_AFTER,
    )
