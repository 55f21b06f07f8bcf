"""`reliefline restore FILE`: replace the database with a backup, then check it."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from reliefline.access.backup import BackupFailed, backup_restore


class Command(BaseCommand):
    help = (
        "Replace the whole database with a backup made by `reliefline backup`, then compare "
        "the row counts with its manifest and verify the audit chain. Stop the server first."
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
        for table, (expected, found) in report.differences.items():
            self.stderr.write(f"  {table}: {found} rows, the manifest says {expected}")
        if not report.audit_intact:
            raise CommandError("The restored audit chain is broken: `reliefline audit verify`.")
        if report.differences:
            raise CommandError("The restored row counts differ from the manifest.")
        self.stdout.write(
            self.style.SUCCESS(
                f"Row counts match the manifest; audit chain intact ({report.audit_entries} entries)."
            )
        )
