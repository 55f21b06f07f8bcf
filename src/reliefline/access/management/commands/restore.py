"""`reliefline restore FILE`: replace the database with a backup, then check it."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from reliefline.access.backup import BackupFailed, backup_restore
from reliefline.access.crypto import FieldKeyMissing


class Command(BaseCommand):
    help = (
        "Replace the whole database with a backup made by `reliefline backup`, after "
        "checking that it holds this version's migrations and that RELIEFLINE_FIELD_KEYS "
        "holds every key its data is encrypted with; "
        "then compare the row counts with its manifest and verify the audit chain. "
        "Stop the server and the worker first."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument(
            "--yes", action="store_true", help="do not ask: everything now stored is replaced"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["yes"]:
            answer = input("Everything in the database will be replaced. Type 'restore': ")
            if answer.strip() != "restore":
                raise CommandError("Nothing restored.")
        try:
            report = backup_restore(options["path"])
        except BackupFailed as error:
            raise CommandError(error.message) from error
        rows = sum(report.counts.values())
        self.stdout.write(f"Restored {report.path}: {rows} rows.")
        if not report.keys_checked_first:
            self.stderr.write(
                _(
                    "The manifest does not list the backup's field keys (it was made by an "
                    "older reliefline), so they could be checked only once restored."
                )
            )
        for table, (expected, found) in report.differences.items():
            self.stderr.write(f"  {table}: {found} rows, the manifest says {expected}")
        if report.keys_missing:
            raise FieldKeyMissing(report.keys_missing)
        if not report.audit_intact:
            raise CommandError("The restored audit chain is broken: `reliefline audit verify`.")
        if report.differences:
            raise CommandError("The restored row counts differ from the manifest.")
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Row counts match the manifest; audit chain intact (%(entries)s entries); "
                    "every field key the data is encrypted with is configured."
                )
                % {"entries": report.audit_entries}
            )
        )
