"""`reliefline allocate --requests R.csv --vehicles V.csv --out A.csv`: plan from spreadsheets."""

import json
from collections import Counter
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from reliefline.evacuation import engine
from reliefline.evacuation.csvfiles import (
    CsvError,
    allocation_write,
    requests_parse,
    vehicles_parse,
)

TIME_LIMIT_MAX = 600.0


def _read(path: str, *, name: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise CsvError(name, f"is not UTF-8 text (byte {error.start})") from None
    except OSError as error:
        raise CsvError(name, f"cannot be read ({error.strerror})") from None


class Command(BaseCommand):
    help = (
        "Allocate the people of REQUESTS.csv to the vehicles of VEHICLES.csv with the "
        "same engine as the convoy page; write ALLOCATION.csv and end with one JSON line. "
        "Progress goes to stderr."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--requests", required=True, metavar="REQUESTS.csv")
        parser.add_argument("--vehicles", required=True, metavar="VEHICLES.csv")
        parser.add_argument("--out", required=True, metavar="ALLOCATION.csv")
        parser.add_argument("--time-limit", type=float, default=10.0, metavar="SECONDS")

    def handle(self, *args: Any, **options: Any) -> None:
        limit = options["time_limit"]
        if not 0 < limit <= TIME_LIMIT_MAX:
            raise CommandError(f"--time-limit must be above 0 and at most {TIME_LIMIT_MAX:g} s.")
        try:
            people = requests_parse(
                _read(options["requests"], name=options["requests"]), name=options["requests"]
            )
            vehicles = vehicles_parse(
                _read(options["vehicles"], name=options["vehicles"]), name=options["vehicles"]
            )
        except CsvError as error:
            raise CommandError(str(error)) from None
        self._progress(f"read {len(people)} people and {len(vehicles)} vehicles")
        result = engine.allocate(people, vehicles, time_limit=limit, progress=self._progress)
        try:
            Path(options["out"]).write_text(
                allocation_write(result.placements, people), encoding="utf-8"
            )
        except OSError as error:
            raise CommandError(f"{options['out']}: cannot be written ({error.strerror})") from None
        self._progress(f"wrote {result.allocated} rows to {options['out']}")
        households = len(engine.households_of(people))
        self.stdout.write(
            f"{result.allocated} of {len(people)} people placed; "
            f"{households - len(result.left_out)} of {households} households; "
            f"solver status {result.status}, gap {100 * result.gap:.2f}%."
        )
        for reason, count in sorted(Counter(result.left_out.values()).items()):
            self.stdout.write(f"left out: {count} household(s): {reason}")
        summary = {
            "allocated": result.allocated,
            "objective": result.objective,
            "bound": result.bound,
            "seconds": round(result.seconds, 3),
        }
        self.stdout.write(json.dumps(summary))

    def _progress(self, message: str) -> None:
        """Print a phase or a better solution on stderr (stdout ends with the JSON line)."""
        self.stderr.write(f"allocate: {message}", style_func=lambda text: text)
