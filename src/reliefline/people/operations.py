"""The long operations of people: importing a registry and looking for duplicates.

Each runs the same function whether a command or the task worker runs it
(people_import_csv, dedupe_run), with its progress on the operation's row and, from
a command, on a tqdm bar too (access.operations).
"""

import csv
import dataclasses
import logging
import re
import tempfile
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.contrib.auth.models import User
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext_lazy

from reliefline.access.models import Operation
from reliefline.access.operations import (
    Kind,
    OperationProgress,
    Stage,
    Stages,
    Step,
    kind_register,
    no_stages,
    operation_file_drop,
    operation_file_read,
    operation_file_store,
    operation_run,
    operation_start,
    operation_under_way,
    stages_tee,
)
from reliefline.errors import InvalidInput
from reliefline.people.dedupe import dedupe_run
from reliefline.people.importing import (
    CHUNK_ROWS,
    KEY_INDEX,
    header_read,
    key_index_create,
    key_index_present,
    options_check,
    people_import_csv,
)
from reliefline.people.matching import POSSIBLE
from reliefline.people.models import ConsentMethod, LegalBasis

log = logging.getLogger(__name__)

INPUT = "input.csv"
REJECTED = "rejected.csv"
ROWS = "rows"
HEADER_MAX = 64 * 1024  # bytes read to find the header line

IMPORT = kind_register(
    Kind(
        name="people.import",
        label=gettext_lazy("Import of persons"),
        permission="access.import_people",
        task="reliefline.people.tasks.people_import_task",
        page="people:import",
        page_title=gettext_lazy("Import persons"),
        results={
            "created": gettext_lazy("Created"),
            "updated": gettext_lazy("Updated"),
            "rejected": gettext_lazy("Rejected"),
            "seconds": gettext_lazy("Seconds"),
        },
        stages={
            ROWS: Stage(
                label=gettext_lazy("Importing rows"),
                counted=ngettext_lazy(
                    "%(done)s of %(total)s row", "%(done)s of %(total)s rows", "count"
                ),
            )
        },
    )
)

DEDUPE = kind_register(
    Kind(
        name="people.dedupe",
        label=gettext_lazy("Search for duplicates"),
        permission="people.merge_person",
        task="reliefline.people.tasks.dedupe_task",
        page="people:duplicates",
        page_title=gettext_lazy("Possible duplicates"),
        exclusive=True,
        follow_up=gettext_lazy("Show the clusters to review"),
        results={
            "persons": gettext_lazy("Persons examined"),
            "compared": gettext_lazy("Pairs compared"),
            "found": gettext_lazy("Likely duplicates"),
            "new_pairs": gettext_lazy("New pairs to review"),
            "open_clusters": gettext_lazy("Clusters to review"),
            "new_clusters": gettext_lazy("New clusters"),
        },
        stages={
            "index": Stage(
                label=gettext_lazy("Reading the matching index"),
                counted=ngettext_lazy(
                    "%(done)s of %(total)s key", "%(done)s of %(total)s keys", "count"
                ),
            ),
            "candidates": Stage(
                label=gettext_lazy("Finding candidates"),
                counted=ngettext_lazy(
                    "%(done)s of %(total)s person", "%(done)s of %(total)s persons", "count"
                ),
            ),
            "scoring": Stage(
                label=gettext_lazy("Scoring candidate pairs"),
                counted=ngettext_lazy(
                    "%(done)s of %(total)s pair", "%(done)s of %(total)s pairs", "count"
                ),
            ),
            "storing": Stage(
                label=gettext_lazy("Storing the pairs found"),
                counted=ngettext_lazy(
                    "%(done)s of %(total)s pair", "%(done)s of %(total)s pairs", "count"
                ),
            ),
        },
    )
)


# ---- import ----------------------------------------------------------------------------


def people_import_start(
    *, name: str, upload: IO[bytes], size: int, by: User, legal_basis: str, consent_method: str
) -> Operation:
    """Return a queued import of an uploaded registry file, the file stored with it.

    Raise InvalidInput, storing nothing, when the file is too large, has no header
    with the columns, or the options break the intake rules.
    """
    limit = settings.RELIEFLINE_IMPORT_MAX_MB
    if size > limit * 1024 * 1024:
        raise InvalidInput(
            _(
                "The file is larger than %(mb)s MB: split it, or import it on a server "
                "with `reliefline import people`."
            )
            % {"mb": limit},
            field="file",
        )
    options_check(legal_basis=legal_basis, consent_method=consent_method)
    content = upload.read(size + 1)
    if len(content) != size:
        raise InvalidInput(_("The file arrived incomplete; send it again."), field="file")
    header_read(iter([_header_cells(content[:HEADER_MAX].split(b"\n", 1)[0])]))
    return operation_start(
        IMPORT,
        by=by,
        params={"legal_basis": legal_basis, "consent_method": consent_method},
        files={INPUT: content},
        message=_file_name(name),
    )


def _file_name(name: str) -> str:
    """Return the upload's name as a safe file name: word characters, dots and dashes."""
    cleaned = re.sub(r"[^\w.-]+", "_", Path(name).name).lstrip(".")[:100]
    return cleaned or INPUT


def _header_cells(line: bytes) -> list[str]:
    text = line.decode("utf-8-sig", errors="replace").rstrip("\r")
    return next(csv.reader([text]), [])


def _rows(stages: Stages) -> tuple[Step, Step]:
    """Return people_import_csv's (total, progress) callbacks as the one stage "rows"."""
    current: list[Step] = [lambda n: None]

    def total(rows: int) -> None:
        current[0] = stages(ROWS, rows)

    def progress(rows: int) -> None:
        current[0](rows)

    return total, progress


def people_import_operate(
    operation_id: int,
    *,
    path: Path | None = None,
    jobs: int | None = None,
    chunk_rows: int = CHUNK_ROWS,
    method: str = "auto",
    terminal: Stages = no_stages,
) -> Operation:
    """Run a queued import: of `path` from a command, else of the uploaded file.

    An uploaded file is copied to a temporary file on this host for the run, and
    deleted from the database afterwards, whatever happens; its rejected rows are
    stored with the operation, for the page's download.
    """
    operation = Operation.objects.select_related("started_by").get(pk=operation_id)
    params: dict[str, Any] = operation.params

    def work(progress: OperationProgress) -> dict[str, Any]:
        total, step = _rows(stages_tee(terminal, progress.stage))
        options = {
            "by": operation.started_by,
            "jobs": jobs if jobs is not None else settings.RELIEFLINE_IMPORT_JOBS,
            "chunk_rows": chunk_rows,
            "method": method,
            "legal_basis": params.get("legal_basis", LegalBasis.PUBLIC_INTEREST),
            "consent_method": params.get("consent_method", ConsentMethod.NOT_OBTAINED),
            "progress": step,
            "total": total,
        }
        if path is not None:
            result = people_import_csv(path, **options)
        else:
            try:
                with tempfile.TemporaryDirectory(prefix="reliefline-import-") as folder:
                    upload = Path(folder) / (operation.message or INPUT)
                    upload.write_bytes(operation_file_read(operation, name=INPUT))
                    result = people_import_csv(upload, **options)
                    if result.rejected:
                        rejected = result.rejected_path.read_bytes()
                        operation_file_store(operation, name=REJECTED, content=rejected)
            finally:
                operation_file_drop(operation, name=INPUT)
        return {
            "created": result.created,
            "updated": result.updated,
            "rejected": result.rejected,
            "seconds": round(result.seconds),
        }

    return operation_run(operation_id, work)


def key_index_repair() -> bool:
    """Build the keys' lookup index if a killed import left it dropped; return whether.

    A first import drops the index and builds it at its end. One killed in between
    (SIGKILL, out of memory, a host restart) leaves every identity match, the new-call
    page's included, reading the whole keys table until the next import. The
    scheduler runs this every 15 minutes. While an import is under way (queued, or
    running and not silent) nothing is done: that import builds the index itself.
    On PostgreSQL the build is concurrent, so intake is not held while it runs.
    """
    if key_index_present() or operation_under_way(IMPORT) is not None:
        return False
    log.warning("the persons' lookup index %s was missing: building it", KEY_INDEX)
    key_index_create(concurrently=True)  # intake goes on while it builds
    return True


# ---- dedupe ----------------------------------------------------------------------------


def dedupe_start(
    *,
    by: User | None,
    limit: int | None = None,
    threshold: float = POSSIBLE,
    dry_run: bool = False,
    enqueue: bool = True,
) -> Operation:
    """Return a queued dedupe run, or raise Conflict when one is under way."""
    params = {"limit": limit, "threshold": threshold, "dry_run": dry_run}
    return operation_start(DEDUPE, by=by, params=params, enqueue=enqueue)


def dedupe_operate(operation_id: int, *, terminal: Stages = no_stages) -> Operation:
    """Run a queued dedupe run; its result holds the DedupeReport's counts."""
    operation = Operation.objects.select_related("started_by").get(pk=operation_id)
    params: dict[str, Any] = operation.params

    def work(progress: OperationProgress) -> dict[str, Any]:
        report = dedupe_run(
            limit=params.get("limit"),
            threshold=params.get("threshold", POSSIBLE),
            dry_run=params.get("dry_run", False),
            by=operation.started_by,
            progress=stages_tee(terminal, progress.stage),
        )
        return dataclasses.asdict(report)

    return operation_run(operation_id, work)
