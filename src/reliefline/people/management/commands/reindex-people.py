"""`reliefline reindex-people`: rebuild the identity-matching index from the persons."""

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from tqdm import tqdm

from reliefline.people.importing import key_index_create
from reliefline.people.models import Person
from reliefline.people.services import people_reindex


class Command(BaseCommand):
    help = (
        "Rebuild the blocking keys of every person (people.PersonKey) from the database. "
        "Safe to rerun; needed only after rows were written around Person.save or after "
        "the key functions changed. Also builds the keys' lookup index if a killed import "
        "left it dropped."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch", type=int, default=2000)

    def handle(self, *args: Any, **options: Any) -> None:
        with tqdm(total=Person.objects.count(), unit="person", file=sys.stderr) as bar:
            done = people_reindex(batch=options["batch"], progress=bar.update)
        key_index_create(concurrently=True)
        self.stdout.write(self.style.SUCCESS(f"Indexed {done} persons."))
