"""`reliefline scheduler`: enqueue the periodic jobs for `reliefline db_worker` to run.

Run exactly one scheduler per installation (any number of workers). Every job is
idempotent, so a second scheduler would waste work, never corrupt it.

Besides the hotline's own jobs, every tick enqueues the tasks an app lists in its
AppConfig's `periodic_tasks` (dotted paths): apps above the hotline (channels) add
their housekeeping without the hotline importing them.
"""

import time
from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone
from django.utils.module_loading import import_string

from reliefline.arguments import whole_number
from reliefline.hotline.tasks import queue_reprioritise, retention_purge

REPRIORITISE_EVERY = 15 * 60  # seconds


class Command(BaseCommand):
    help = (
        "Enqueue queue reprioritisation and the apps' periodic tasks every 15 minutes, "
        "and the retention purge daily."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--once",
            action="store_true",
            help="Enqueue every periodic job now, the purge included, and exit (cron).",
        )
        parser.add_argument(
            "--purge-hour",
            type=whole_number(0, 23),
            default=3,
            help="Local hour of the daily purge, 0 to 23 (default 3).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["once"]:
            self._enqueue_reprioritise()
            self._enqueue_periodic()
            self._enqueue_purge()
            return
        last_purge_day = None
        while True:
            self._enqueue_reprioritise()
            self._enqueue_periodic()
            now = timezone.localtime()
            if now.hour == options["purge_hour"] and now.date() != last_purge_day:
                self._enqueue_purge()
                last_purge_day = now.date()
            time.sleep(REPRIORITISE_EVERY)

    def _enqueue_reprioritise(self) -> None:
        result = queue_reprioritise.enqueue()
        self.stdout.write(f"enqueued queue_reprioritise {result.id}")

    def _enqueue_periodic(self) -> None:
        for config in apps.get_app_configs():
            for path in getattr(config, "periodic_tasks", ()):
                result = import_string(path).enqueue()
                self.stdout.write(f"enqueued {path.rsplit('.', 1)[-1]} {result.id}")

    def _enqueue_purge(self) -> None:
        result = retention_purge.enqueue()
        self.stdout.write(f"enqueued retention_purge {result.id}")
