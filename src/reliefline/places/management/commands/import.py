"""`reliefline import settlements FILE.csv`: load or update gazetteer rows."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from reliefline.errors import ReliefError
from reliefline.places.services import places_import_csv


class Command(BaseCommand):
    help = "Import settlements from a CSV with the columns of the bundled settlements.csv."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=["settlements"])
        parser.add_argument("file", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        try:
            result = places_import_csv(path)
        except OSError as exc:
            raise CommandError(f"{path}: {exc.strerror or exc}") from exc
        except UnicodeDecodeError as exc:
            raise CommandError(f"{path}: not UTF-8 text ({exc.reason}).") from exc
        except ReliefError as exc:
            field = f" [{exc.field}]" if exc.field else ""
            raise CommandError(f"{path}: {exc.message}{field}") from exc
        self.stdout.write(f"Settlements: {result.created} created, {result.updated} updated.")
