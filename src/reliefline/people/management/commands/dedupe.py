"""`reliefline dedupe`: find likely duplicate persons and queue them for review."""

import argparse
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from reliefline.access.terminal import tqdm_stages
from reliefline.errors import ReliefError
from reliefline.people.matching import POSSIBLE
from reliefline.people.operations import dedupe_operate, dedupe_start

STAGES = {"index": "key", "candidates": "person", "scoring": "pair", "storing": "pair"}


def _threshold(text: str) -> float:
    """Return a probability above 0 and at most 1, or refuse it by name."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0.0 < value <= 1.0:
        raise argparse.ArgumentTypeError(f"a probability above 0 and at most 1, not {value:g}")
    return value


class Command(BaseCommand):
    help = (
        "Compare every person with those sharing matching keys (never all pairs), and put "
        "the pairs scoring at least the threshold, grouped into clusters, in the review "
        "queue (/people/duplicates/). Safe to rerun: pairs already decided are not "
        "proposed again."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--limit",
            type=int,
            default=None,
            help="Examine only the first N persons (by id), each against the whole registry.",
        )
        parser.add_argument(
            "--threshold",
            type=_threshold,
            default=POSSIBLE,
            help=f"Lowest probability a pair needs to be queued (default {POSSIBLE}, `possible`).",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Count what would be queued; write nothing."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["limit"] is not None and options["limit"] < 1:
            raise CommandError("--limit must be at least 1.")
        stream = getattr(self.stderr, "_out", sys.stderr)  # tqdm rewrites its line with \r
        try:
            # Recorded as an operation too, so its progress shows in the browser.
            operation = dedupe_start(
                by=None,
                limit=options["limit"],
                threshold=options["threshold"],
                dry_run=options["dry_run"],
                enqueue=False,
            )
        except ReliefError as error:
            raise CommandError(error.message) from error
        with tqdm_stages(stream, units=STAGES) as bars:
            report = dedupe_operate(operation.pk, terminal=bars).result
        self.stdout.write(
            f"Examined {report['persons']} persons, compared {report['compared']} candidate "
            f"pairs, {report['found']} at or above {options['threshold']}."
        )
        if options["dry_run"]:
            self.stdout.write("Dry run: nothing written.")
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"Queued {report['new_pairs']} new pairs ({report['updated_pairs']} rescored, "
                f"{report['removed_pairs']} no longer likely, {report['already_decided']} "
                f"already decided); {report['open_clusters']} open clusters, "
                f"{report['new_clusters']} new."
            )
        )
