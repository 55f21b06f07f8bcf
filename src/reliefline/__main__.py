"""The `reliefline` console script: Django's manage.py plus reliefline's own commands."""

import os
import sys
from collections.abc import Mapping

# Processes that serve others, not the person at the terminal: they keep the site's
# default language, and each request or notice picks its reader's.
SERVING = frozenset({"serve", "worker", "scheduler", "runserver"})


def terminal_language(environ: Mapping[str, str]) -> str:
    """Return the language a command speaks to the person who typed it.

    The locale's language, as gettext reads it (LANGUAGE, LC_ALL, LC_MESSAGES, LANG:
    the first one set), when reliefline speaks it; English otherwise. The site's own
    default (Ukrainian) is for residents and staff on the pages, not for whoever runs a
    backup on a server.
    """
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(name, "")
        if value:
            code = value.split(":")[0].split("_")[0].split(".")[0].lower()
            return code if code in ("uk", "ru") else "en"
    return "en"


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reliefline.settings")
    import django
    from django.core.management import execute_from_command_line
    from django.utils import translation

    command = sys.argv[1] if len(sys.argv) > 1 else ""
    if command not in SERVING:
        try:
            django.setup()
        except Exception:  # noqa: S110 - the command below reports it, as manage.py would
            pass
        else:
            translation.activate(terminal_language(os.environ))
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
