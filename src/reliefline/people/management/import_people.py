"""The `people` kind of `reliefline import` (the command itself lives in places)."""

import signal
import sys
from pathlib import Path
from typing import Any

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError, CommandParser

from reliefline.access.operations import operation_start
from reliefline.access.terminal import tqdm_stages
from reliefline.errors import ReliefError
from reliefline.people.importing import CHUNK_ROWS, options_check, rejected_path_for
from reliefline.people.models import ConsentMethod, LegalBasis
from reliefline.people.operations import IMPORT, people_import_operate

IMPORT_PERMISSION = "people.add_person"


def add_arguments(parser: CommandParser) -> None:
    """Add the options of `reliefline import people`."""
    group = parser.add_argument_group("people")
    group.add_argument(
        "--by", help="The user who imports (needs people.add_person); audited as them."
    )
    group.add_argument(
        "--legal-basis",
        choices=LegalBasis.values,
        default=LegalBasis.PUBLIC_INTEREST,
        help="Why reliefline may hold the imported persons' data (default: %(default)s).",
    )
    group.add_argument(
        "--consent-method",
        choices=ConsentMethod.values,
        default=ConsentMethod.NOT_OBTAINED,
        help="How the source registry obtained consent (default: %(default)s).",
    )
    group.add_argument(
        "--jobs", type=int, default=2, help="Worker processes preparing rows (default: 2)."
    )
    group.add_argument("--chunk", type=int, default=CHUNK_ROWS, help="Rows per transaction.")
    group.add_argument(
        "--method",
        choices=["auto", "raw", "orm"],
        default="auto",
        help="raw (= auto): COPY on PostgreSQL, executemany on SQLite; orm: bulk_create.",
    )


def _stop(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


def handle(command: BaseCommand, path: Path, options: dict[str, Any]) -> None:
    """Run `reliefline import people FILE.csv` with the parsed options.

    The run is recorded as an operation too, so its progress shows in the browser.
    """
    by = None
    if options["by"]:
        by = User.objects.filter(username=options["by"], is_active=True).first()
        if by is None or not by.has_perm(IMPORT_PERMISSION):
            raise CommandError(f"{options['by']} may not import persons ({IMPORT_PERMISSION}).")
    if options["jobs"] < 1 or options["chunk"] < 1:
        raise CommandError("--jobs and --chunk must be at least 1.")
    # A `kill` then ends the import like Ctrl-C: the chunk under way rolls back, and the
    # audit entry still records the import, as interrupted.
    previous = signal.signal(signal.SIGTERM, _stop)
    bars = tqdm_stages(sys.stderr, width=0, unit_scale=True, disable=None)
    with bars as terminal:
        try:
            options_check(
                legal_basis=options["legal_basis"], consent_method=options["consent_method"]
            )
            operation = operation_start(
                IMPORT,
                by=by,
                params={
                    "legal_basis": options["legal_basis"],
                    "consent_method": options["consent_method"],
                },
                message=path.name,
                enqueue=False,
            )
            operation = people_import_operate(
                operation.pk,
                path=path,
                jobs=options["jobs"],
                chunk_rows=options["chunk"],
                method=options["method"],
                terminal=terminal,
            )
        except OSError as exc:
            raise CommandError(f"{path}: {exc.strerror or exc}") from exc
        except ReliefError as exc:
            field = f" [{exc.field}]" if exc.field else ""
            raise CommandError(f"{path}: {exc.message}{field}") from exc
        finally:
            signal.signal(signal.SIGTERM, previous)
    result = operation.result
    command.stdout.write(
        f"Persons: {result['created']} created, {result['updated']} updated, "
        f"{result['rejected']} rejected ({rejected_path_for(path)}) in {result['seconds']} s."
    )
