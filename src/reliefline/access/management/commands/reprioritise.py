"""`reliefline reprioritise`: recompute the priority of every open case."""

from typing import Any

from django.core.management.base import BaseCommand

from reliefline.hotline.services import case_reprioritise_open


class Command(BaseCommand):
    help = "Recompute the waiting-time part of every open case's priority."

    def handle(self, *args: Any, **options: Any) -> None:
        changed = case_reprioritise_open()
        self.stdout.write(f"Reprioritised {changed} open cases.")
