"""`reliefline adduser NAME --role ROLE [--password PASSWORD] [--update]`."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from reliefline.access import services
from reliefline.access.roles import Role
from reliefline.errors import ReliefError


class Command(BaseCommand):
    help = "Create a user in a role, printing a generated password when none is given."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--role", required=True, help=", ".join(Role.values))
        parser.add_argument("--password", help="generated and printed when left out")
        parser.add_argument(
            "--update", action="store_true", help="change the role and password of an existing user"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        username: str = options["username"]
        password: str | None = options["password"]
        generated = password is None
        password = password or services.password_generate()
        try:
            if options["update"]:
                services.user_update(username, role=options["role"], password=password)
            else:
                services.user_create(username, role=options["role"], password=password)
        except ReliefError as exc:
            raise CommandError(exc.message) from exc
        verb = "Updated" if options["update"] else "Created"
        self.stdout.write(f"{verb} {username} with role {options['role']}.")
        if generated:
            self.stdout.write(f"login: {username} password: {password}")
