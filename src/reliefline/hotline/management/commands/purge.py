"""`reliefline purge [--dry-run] [--days N] [--batch N]`: anonymise cases past their retention.

The purge commits batch by batch: if one fails, the command says how much was done
before it, and running it again finishes the rest.
"""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from reliefline.arguments import whole_number
from reliefline.hotline.retention import BATCH, BATCH_MAX, PurgeStopped, cases_purge

DAYS_MAX = 36_500
# A first purge of a registry lists its first persons, then counts the rest.
PERSONS_LISTED = 100


def _counted(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


class Command(BaseCommand):
    help = (
        "Anonymise cases closed longer than the retention period, people with no case left, "
        "and registry persons in no case recorded before the cutoff."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Show what would be purged.")
        parser.add_argument(
            "--days",
            type=whole_number(0, DAYS_MAX, unit="days"),
            default=None,
            help=f"Retention in days, 0 to {DAYS_MAX} (default {settings.RETENTION_DAYS}).",
        )
        parser.add_argument(
            "--batch",
            type=whole_number(1, BATCH_MAX, unit="per batch"),
            default=BATCH,
            help=f"Cases or persons purged per transaction, 1 to {BATCH_MAX} (default {BATCH}).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = cases_purge(
                days=options["days"], dry_run=options["dry_run"], batch=options["batch"]
            )
        except PurgeStopped as stopped:
            raise CommandError(str(stopped)) from stopped
        verb = "Would anonymise" if report.dry_run else "Anonymised"
        # On the hotline's clock, named, as the pages show times.
        cutoff = timezone.localtime(report.cutoff)
        self.stdout.write(
            f"{verb} {_counted(len(report.case_references), 'case')} closed before "
            f"{cutoff:%Y-%m-%d %H:%M} ({cutoff.tzname()}, {settings.TIME_ZONE}) and "
            f"{_counted(len(report.person_ids), 'person')} with no case left."
        )
        for reference in report.case_references:
            self.stdout.write(f"  {reference}")
        caseless = report.caseless_person_ids
        if caseless:
            self.stdout.write(
                f"Of these persons, {len(caseless)} were in no case (registry records) "
                "and recorded before the cutoff:"
            )
            for person_id in caseless[:PERSONS_LISTED]:
                self.stdout.write(f"  P-{person_id}")
            if len(caseless) > PERSONS_LISTED:
                self.stdout.write(f"  and {len(caseless) - PERSONS_LISTED} more")
