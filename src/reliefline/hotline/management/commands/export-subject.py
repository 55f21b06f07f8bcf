"""`reliefline export-subject PERSON_ID --by USERNAME`: a data-subject access export as JSON."""

import json
from typing import Any

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError, CommandParser

from reliefline.errors import ReliefError
from reliefline.hotline.subject import subject_export


class Command(BaseCommand):
    help = "Print everything held about one person as JSON (audited as an export by --by)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("person_id", type=int)
        parser.add_argument("--by", required=True, help="The DPO answering the request.")

    def handle(self, *args: Any, **options: Any) -> None:
        dpo = User.objects.filter(username=options["by"], is_active=True).first()
        if dpo is None:
            raise CommandError(f"No active user {options['by']!r}: --by names the DPO answering.")
        if not dpo.has_perm("hotline.export_subject"):
            raise CommandError(f"{options['by']} may not export personal data (role dpo needed).")
        try:
            export = subject_export(options["person_id"], by=dpo)
        except ReliefError as error:
            raise CommandError(error.message) from None
        self.stdout.write(json.dumps(export.as_dict(), ensure_ascii=False, indent=2))
