"""`reliefline purge [--dry-run] [--days N]`: anonymise cases past their retention period."""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from reliefline.hotline.retention import cases_purge


class Command(BaseCommand):
    help = "Anonymise cases closed longer than the retention period and people with no case left."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Show what would be purged.")
        parser.add_argument(
            "--days",
            type=int,
            default=None,
            help=f"Retention in days (default {settings.RETENTION_DAYS}).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        report = cases_purge(days=options["days"], dry_run=options["dry_run"])
        verb = "Would anonymise" if report.dry_run else "Anonymised"
        self.stdout.write(
            f"{verb} {len(report.case_references)} cases closed before {report.cutoff:%Y-%m-%d %H:%M} "
            f"and {len(report.person_ids)} persons with no case left."
        )
        for reference in report.case_references:
            self.stdout.write(f"  {reference}")
