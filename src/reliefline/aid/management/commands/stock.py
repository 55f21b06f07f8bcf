"""`reliefline stock verify`: recompute every balance from the ledger and report differences."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from reliefline.aid.selectors import stock_differences


class Command(BaseCommand):
    help = "Check the stock ledger: every balance must equal the sum of its movements."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("verify", help="recompute balances from movements; exit 1 on a difference")

    def handle(self, *args: Any, **options: Any) -> None:
        checked, differences = stock_differences()
        for d in differences:
            self.stderr.write(
                f"{d.warehouse} {d.item} lot={d.lot or '-'}: balance {d.book}, movements add up to {d.ledger}"
            )
        if differences:
            raise CommandError(f"{len(differences)} of {checked} balances differ from the ledger.")
        self.stdout.write(f"{checked} balances checked; every one equals its movements.")
