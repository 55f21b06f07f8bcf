"""`reliefline rotate-keys`: re-encrypt everything under the newest RELIEFLINE_FIELD_KEYS key."""

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from reliefline.access import crypto
from reliefline.access.operations import operation_start
from reliefline.access.rotation import ROTATION, encrypted_models, keys_rotate_operate, stale_rows
from reliefline.access.terminal import tqdm_stages
from reliefline.arguments import whole_number


class Command(BaseCommand):
    help = (
        "Re-encrypt every encrypted value and blind index with the newest key in "
        "RELIEFLINE_FIELD_KEYS. Resumable; afterwards the older keys can be removed. "
        "The run is also recorded as an operation, so its progress shows in the browser."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--batch",
            type=whole_number(1, 100_000, unit="rows"),
            default=500,
            help="rows re-encrypted per transaction, 1 to 100000 (default 500)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        newest = crypto.field_keys()[0].key_id
        self.stdout.write(f"Rotating to key {newest} ({len(crypto.field_keys())} keys configured).")
        operation = operation_start(ROTATION, by=None, message=f"to key {newest}", enqueue=False)
        with tqdm_stages(sys.stderr, width=0) as bars:
            operation = keys_rotate_operate(operation.pk, batch=options["batch"], terminal=bars)
        # Say the older keys can go only once nothing is left under them: removing them
        # too early makes every value still under them unreadable, for good.
        left = sum(stale_rows(target).count() for target in encrypted_models())
        if left:
            raise CommandError(
                f"{left} rows are still under an older key: keep every key and run again."
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Done: {operation.result['rows']} rows now under key {newest}; "
                "older keys can be removed."
            )
        )
