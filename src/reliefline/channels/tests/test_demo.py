"""The demo's messages and the worker that sends notices."""

from typing import Any

import pytest
from django.core.management import call_command

from reliefline.channels import backends
from reliefline.channels.demo import demo_load
from reliefline.channels.models import Notice, NoticeKind, NoticeStatus
from reliefline.channels.services import notice_send
from reliefline.channels.tests.factories import caller_of
from reliefline.hotline import demo as hotline_demo
from reliefline.hotline.models import Case, EventKind
from reliefline.hotline.tests.factories import open_case


def test_demo_messages_reach_their_cases_once(gazetteer: None, settings: Any) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    hotline_demo.demo_users_ensure()
    hotline_demo.demo_load()
    cases = Case.objects.count()

    first, again = demo_load(), demo_load()

    assert (first.delivered, first.repeated, again.delivered, again.repeated) == (3, 0, 0, 3)
    assert Case.objects.count() == cases + 2  # story 1's woman writes into her open case
    insulin = next(c for c in Case.objects.all() if caller_of(c).phone == "+79100000001")
    messages = insulin.events.filter(kind=EventKind.MESSAGE)
    assert [m.text[:20] for m in messages] == ["Это снова Соколова и"]
    ack = Notice.objects.get(case=insulin, kind=NoticeKind.ACKNOWLEDGEMENT)
    assert ack.language == "ru" and ack.status == NoticeStatus.SENT


def test_the_worker_sends_a_queued_notice(transactional_db: None, settings: Any) -> None:
    settings.RELIEFLINE_NOTIFY_BACKEND = "console"
    backends.outbox.clear()
    case = open_case(language="uk")
    notice = notice_send(
        person=caller_of(case), kind=NoticeKind.CORRIDOR_SUSPENDED, context={"corridor": "A"}
    )
    assert Notice.objects.get(pk=notice.pk).status == NoticeStatus.QUEUED

    call_command("worker", "--batch", "--no-startup-delay")

    assert Notice.objects.get(pk=notice.pk).status == NoticeStatus.SENT
    assert [o.body for o in backends.outbox] == [
        "reliefline: гуманітарний коридор A призупинено. Не виходьте до місця збору. "
        "Ми повідомимо, коли його знову відкриють."
    ]
    backends.outbox.clear()


@pytest.mark.parametrize("argv", [["worker", "--help"]])
def test_reliefline_worker_is_the_database_worker(argv: list[str], capsys: Any) -> None:
    with pytest.raises(SystemExit):
        call_command(*argv)
    assert "--batch" in capsys.readouterr().out
