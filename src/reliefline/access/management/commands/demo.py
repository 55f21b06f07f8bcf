"""`reliefline demo`: a ready-to-try reliefline on http://127.0.0.1:8000, safe to rerun."""

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from reliefline.access.management.commands.serve import add_server_arguments, gunicorn_exec
from reliefline.aid.demo import demo_load as aid_demo_load
from reliefline.channels.demo import demo_load as channels_demo_load
from reliefline.channels.worker import worker_spawn
from reliefline.evacuation.demo import demo_load as evacuation_demo_load
from reliefline.hotline.demo import demo_load, demo_users_ensure
from reliefline.hotline.services import case_reprioritise_open
from reliefline.partners.demo import demo_load as partners_demo_load
from reliefline.people.demo import demo_load as people_demo_load
from reliefline.places.services import BUNDLED_SETTLEMENTS, places_import_csv

WARNING = (
    "DEMO ONLY: these passwords are public and the field encryption key is a development "
    "key under the data directory. Never enter real personal data into this instance."
)


class Command(BaseCommand):
    help = "Migrate, load the gazetteer, demo users and demo cases, then serve on loopback."

    def add_arguments(self, parser: CommandParser) -> None:
        add_server_arguments(parser)
        parser.add_argument("--no-serve", action="store_true", help="load the demo and stop")

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        places = places_import_csv(BUNDLED_SETTLEMENTS)
        self.stdout.write(
            f"Gazetteer: {places.created} settlements created, {places.updated} updated."
        )
        for user in demo_users_ensure():
            self.stdout.write(f"login: {user.username} password: {user.password}")
        cases = demo_load()
        self.stdout.write(f"Demo cases: {cases.created} opened, {cases.skipped} already there.")
        aid = aid_demo_load()
        self.stdout.write(f"Aid demo: {'loaded' if aid.loaded else 'already there'}.")
        messages = channels_demo_load()
        self.stdout.write(
            f"Channel messages: {messages.delivered} delivered, {messages.repeated} already there."
        )
        evacuation = evacuation_demo_load()
        self.stdout.write(
            f"Evacuation demo: {evacuation.corridors} corridors, "
            f"{evacuation.requests} requests created."
        )
        situation = partners_demo_load()
        self.stdout.write(
            f"Situation and partners: {situation.claims} claims, "
            f"ICRC agreement {'created' if situation.agreement else 'already in force'}."
        )
        duplicates = people_demo_load()
        self.stdout.write(
            f"Duplicates: {duplicates.created} registered again, "
            f"{duplicates.clusters} clusters to review at /people/duplicates/."
        )
        changed = case_reprioritise_open()
        self.stdout.write(f"Reprioritised {changed} open cases.")
        self.stdout.write(self.style.WARNING(WARNING))
        if options["no_serve"]:
            return
        self.stdout.write(f"Serving on http://{options['host']}:{options['port']}/ (Ctrl-C stops)")
        # Notices go out through the task worker; it stops when the server stops.
        worker_spawn()
        # The demo speaks plain HTTP on loopback, so cookies must not be Secure-only.
        gunicorn_exec(
            host=options["host"],
            port=options["port"],
            workers=options["workers"],
            # Plain HTTP on loopback and no second factor: demo only, and every page says so.
            extra_env={"RELIEFLINE_INSECURE_HTTP": "1", "RELIEFLINE_REQUIRE_2FA": "0"},
        )
