"""`reliefline rotate-keys`: re-encrypt everything under the newest RELIEFLINE_FIELD_KEYS key."""

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from tqdm import tqdm

from reliefline.access import crypto
from reliefline.access.rotation import encrypted_models, rotate, stale_rows


class Command(BaseCommand):
    help = (
        "Re-encrypt every encrypted value and blind index with the newest key in "
        "RELIEFLINE_FIELD_KEYS. Resumable; afterwards the older keys can be removed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch", type=int, default=500)

    def handle(self, *args: Any, **options: Any) -> None:
        newest = crypto.field_keys()[0].key_id
        self.stdout.write(f"Rotating to key {newest} ({len(crypto.field_keys())} keys configured).")
        total = 0
        for target in encrypted_models():
            stale = stale_rows(target).count()
            with tqdm(total=stale, desc=target.label, unit="row", file=sys.stderr) as bar:
                for done in rotate(target, batch=options["batch"], progress=bar.update):
                    total += done
        self.stdout.write(
            self.style.SUCCESS(
                f"Done: {total} rows now under key {newest}; older keys can be removed."
            )
        )
