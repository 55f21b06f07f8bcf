"""`reliefline token USERNAME`: print a new API token as the last line of output."""

from typing import Any

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError, CommandParser

from reliefline.access import services
from reliefline.errors import ReliefError


class Command(BaseCommand):
    help = "Issue an API bearer token for a user and print it as the last line."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--label", default="", help="what the token is for")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"No user {options['username']}.")
        try:
            token = services.token_issue(user, label=options["label"])
        except ReliefError as exc:
            raise CommandError(exc.message) from exc
        self.stderr.write("Only a digest is stored: keep this token now, it is shown once.")
        self.stdout.write(token)
