"""Command-line values checked where argparse reads them: a bad one is refused by name.

A value outside its range does not fail loudly later; it quietly does nothing
(a batch of 0 rows re-encrypts nothing, an hour 25 never comes, a negative
retention puts the cutoff ahead): so each is refused before the command runs.
"""

import argparse
from collections.abc import Callable


def whole_number(low: int, high: int, *, unit: str = "") -> Callable[[str], int]:
    """Return an argparse `type` taking a whole number from `low` to `high` (`unit`s)."""
    after = f" {unit}" if unit else ""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"from {low} to {high}{after}, not {value}")
        return value

    return parse
