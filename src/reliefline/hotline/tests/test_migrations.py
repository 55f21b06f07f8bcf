"""Translated timeline notes (hotline 0005) apply and reverse; no note loses its text."""

import json

from reliefline.access.tests.test_migrations import _run, scratch_env

__all__ = ["scratch_env"]

TYPED = "Надіслано через SMS (ru), спроба 1."
WRITE = f"""
from django.utils.translation import gettext_noop
from reliefline.hotline.models import CaseEvent
from reliefline.hotline.services import case_event_append
from reliefline.hotline.tests.factories import open_case
case = open_case()
CaseEvent.objects.create(case=case, kind="note", text={TYPED!r})
case_event_append(
    case, kind="note", msgid=gettext_noop("%(medium)s notice delivered."),
    params={{"medium": {{"field": "hotline.case.channel", "value": "sms"}}}},
)
"""
READ_RAW = """
import json
from django.db import connection
from reliefline.access import crypto
with connection.cursor() as cursor:
    cursor.execute("SELECT text FROM hotline_caseevent WHERE kind = 'note' ORDER BY id")
    print("ROWS", json.dumps([crypto.decrypt(text) for (text,) in cursor.fetchall()]))
"""
READ = """
import json
from django.utils import translation
from reliefline.hotline.models import CaseEvent
translation.activate("en")
notes = CaseEvent.objects.filter(kind="note").order_by("id")
print("ROWS", json.dumps([[e.msgid, e.params, e.display_text] for e in notes]))
"""


def _rows(code: str, env: dict[str, str]) -> object:
    return json.loads(_run("shell", "-c", code, env=env).split("ROWS ", 1)[1])


def test_going_back_writes_system_notes_out_and_forward_keeps_every_text(
    scratch_env: dict[str, str],
) -> None:
    _run("migrate", "--noinput", env=scratch_env)
    _run("shell", "-c", WRITE, env=scratch_env)

    _run("migrate", "hotline", "0004", "--noinput", env=scratch_env)
    # The code before 0005 reads text only: the system note is in the site's language.
    assert _rows(READ_RAW, scratch_env) == [TYPED, "Сповіщення SMS доставлено."]

    _run("migrate", "--noinput", env=scratch_env)
    assert _rows(READ, scratch_env) == [
        ["", {}, TYPED],
        ["", {}, "Сповіщення SMS доставлено."],
    ]
