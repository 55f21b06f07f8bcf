"""`reliefline serve [--host H] [--port N] [--workers N]`: gunicorn with static files."""

import os
import sys
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

# gunicorn's default access line holds the request line with its query string, and
# the referrer: a caller lookup (`?phone=…&family_name=…`) or an identity search
# would be written in clear text to a log nobody encrypts. Ours keeps the path only.
ACCESS_LOG_FORMAT = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms "%(a)s"'


def add_server_arguments(parser: CommandParser, *, port: int = 8000) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="bind address (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=port)
    parser.add_argument("--workers", type=int, default=min(4, (os.cpu_count() or 1) + 1))


def gunicorn_exec(
    *, host: str, port: int, workers: int, extra_env: dict[str, str] | None = None
) -> None:
    """Collect static files, then replace this process with gunicorn serving reliefline.

    The manifest storage (settings.STORAGES when not DEBUG) refuses to render a page
    whose static files were never collected, so collectstatic always runs first.
    """
    call_command("collectstatic", interactive=False, verbosity=0)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "reliefline.settings"),
        # Absolute, so the workers find the same database and keys whatever their cwd.
        "RELIEFLINE_DATA_DIR": str(settings.DATA_DIR),
        **(extra_env or {}),
    }
    argv = [
        sys.executable,
        "-m",
        "gunicorn",
        "reliefline.wsgi:application",
        "--bind",
        f"{host}:{port}",
        "--workers",
        str(workers),
        "--access-logfile",
        "-",
        "--access-logformat",
        ACCESS_LOG_FORMAT,
        # Unused, and its default path in $HOME would be shared by every instance.
        "--no-control-socket",
    ]
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(sys.executable, argv, env)  # noqa: S606 - fixed argv, no shell


class Command(BaseCommand):
    help = "Serve reliefline with gunicorn (static files through whitenoise)."

    def add_arguments(self, parser: CommandParser) -> None:
        add_server_arguments(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"Serving on http://{options['host']}:{options['port']}/")
        gunicorn_exec(host=options["host"], port=options["port"], workers=options["workers"])
