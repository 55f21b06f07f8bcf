"""`reliefline backup`: a consistent copy of the database with its manifest."""

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.utils.translation import gettext as _

from reliefline.access.backup import BackupFailed, backup_create, backup_path


class Command(BaseCommand):
    help = (
        "Copy the whole database (SQLite online backup or pg_dump) to a file, with a "
        "manifest of its checksum and row counts. The field keys are not included."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", type=Path, help="the backup file (default: a new name)")
        parser.add_argument(
            "--dir",
            type=Path,
            default=None,
            help="directory for a new backup file (default: <data dir>/backups)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        engine = "sqlite" if connection.vendor == "sqlite" else "pg"
        path = options["output"] or backup_path(
            options["dir"] or settings.DATA_DIR / "backups", engine
        )
        try:
            report = backup_create(path)
        except BackupFailed as error:
            raise CommandError(error.message) from error
        rows = sum(report.counts.values())
        self.stdout.write(
            f"Backup written: {report.path} ({report.size} bytes, {rows} rows, "
            f"sha256 {report.sha256})"
        )
        self.stdout.write(
            _(
                "Its data is encrypted with the field keys %(ids)s (ids; the manifest lists "
                "them). The keys are not in it: keep RELIEFLINE_FIELD_KEYS backed up apart."
            )
            % {"ids": ", ".join(report.field_key_ids) or "-"}
        )
