"""`reliefline import settlements|people FILE.csv`: load or update gazetteer rows or persons.

`import people` is people.importing's (one command name, so the kind dispatches).
"""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from reliefline.errors import ReliefError
from reliefline.places.services import places_import_csv


class Command(BaseCommand):
    help = (
        "Import settlements from a CSV with the columns of the bundled settlements.csv, "
        "or persons from a CSV of external_id,given_name,family_name,patronymic,birth_date,"
        "phone,settlement (the options below apply to people only)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=["settlements", "people"])
        parser.add_argument("file", type=Path)
        from reliefline.people.management.import_people import add_arguments

        add_arguments(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if options["kind"] == "people":
            from reliefline.people.management.import_people import handle

            handle(self, path, options)
            return
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
