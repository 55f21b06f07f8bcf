"""`reliefline audit verify`: check the audit log's hash chain end to end."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from reliefline.access.audit import audit_verify


class Command(BaseCommand):
    help = "Check the audit log: `reliefline audit verify` exits 1 if any entry was changed or removed."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["verify"])

    def handle(self, *args: Any, **options: Any) -> None:
        report = audit_verify()
        if not report.intact:
            raise CommandError(
                f"Audit chain broken at entry {report.broken_at}: {report.problem} "
                f"({report.checked} entries before it are intact)."
            )
        self.stdout.write(self.style.SUCCESS(f"Audit chain intact: {report.checked} entries."))
