"""Outbound notices: language and address chosen per person, sent after commit, retried."""

import datetime as dt
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from reliefline.channels import backends
from reliefline.channels.models import (
    Contact,
    InboundMessage,
    Medium,
    Notice,
    NoticeKind,
    NoticeStatus,
    NoticeTemplate,
)
from reliefline.channels.services import notice_render, notice_send, notices_requeue_orphans
from reliefline.channels.services.notices import STUCK_AFTER
from reliefline.channels.tests.factories import FlakyBackend, caller_of
from reliefline.errors import InvalidInput
from reliefline.hotline.models import Case, EventKind
from reliefline.hotline.tests.factories import open_case

pytestmark = pytest.mark.django_db


def test_acknowledgement_goes_in_russian_to_a_caller_of_a_russian_case(
    outbox, django_capture_on_commit_callbacks
) -> None:
    case = open_case(language="ru")
    with django_capture_on_commit_callbacks(execute=True):
        notice = notice_send(
            person=caller_of(case),
            kind=NoticeKind.ACKNOWLEDGEMENT,
            context={"reference": str(case.reference)},
            case=case,
        )
    assert notice.language == "ru" and notice.medium == Medium.SMS
    assert outbox == [
        backends.Outgoing(
            medium="sms",
            address="+79101234567",
            body=f"reliefline: мы получили ваше сообщение. Номер обращения {case.reference}. "
            "Оператор свяжется с вами. Сохраните этот номер.",
        )
    ]
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.SENT and notice.attempts == 1
    assert notice.provider_id.startswith("console-")


def test_a_ukrainian_case_gets_ukrainian_and_the_last_message_language_wins(outbox) -> None:
    case = open_case(language="uk")
    assert (
        notice_send(
            person=caller_of(case),
            kind=NoticeKind.CORRIDOR_SUSPENDED,
            context={"corridor": "Суджа — Суми"},
        ).language
        == "uk"
    )
    Contact.objects.create(
        person=caller_of(case),
        medium=Medium.TELEGRAM,
        address="4242",
        language="en",
        last_inbound_at=timezone.now(),
    )
    InboundMessage.objects.create(
        sender="telegram", external_id="1", person=caller_of(case), language="en"
    )
    notice = notice_send(
        person=caller_of(case),
        kind=NoticeKind.CORRIDOR_SUSPENDED,
        context={"corridor": "Sudzha — Sumy"},
    )
    assert (notice.language, notice.medium, notice.address) == ("en", "telegram", "4242")


def test_the_body_is_encrypted_at_rest(outbox) -> None:
    case = open_case()
    notice = notice_send(
        person=caller_of(case), kind=NoticeKind.ACKNOWLEDGEMENT, context={"reference": "RL-000001"}
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT body, address FROM channels_notice WHERE id = %s", [notice.pk])
        body, address = cursor.fetchone()
    assert "RL-000001" not in body and "+7910" not in address


def test_a_rolled_back_transaction_sends_nothing(
    outbox, django_capture_on_commit_callbacks
) -> None:
    case = open_case()
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        notice_send(
            person=caller_of(case), kind=NoticeKind.ACKNOWLEDGEMENT, context={"reference": "RL-1"}
        )
        raise RuntimeError("rollback")
    assert outbox == [] and not Notice.objects.exists()


DATABASE_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def test_the_job_is_stored_with_the_notice_not_after_the_commit(
    settings, django_capture_on_commit_callbacks
) -> None:
    """A process killed between the commit and its callbacks loses no notice's job."""
    settings.TASKS = DATABASE_QUEUE
    case = open_case()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notice = notice_send(
            person=caller_of(case), kind=NoticeKind.ACKNOWLEDGEMENT, context={"reference": "RL-1"}
        )
    assert callbacks == []  # nothing is left for after the commit
    job = DBTaskResult.objects.get()
    assert (job.task_path, job.args_kwargs["args"]) == (
        "reliefline.channels.tasks.notice_deliver",
        [notice.pk],
    )


def test_a_rolled_back_notice_takes_its_queued_job_with_it(settings) -> None:
    settings.TASKS = DATABASE_QUEUE
    case = open_case()
    with pytest.raises(RuntimeError), transaction.atomic():
        notice_send(
            person=caller_of(case), kind=NoticeKind.ACKNOWLEDGEMENT, context={"reference": "RL-1"}
        )
        assert DBTaskResult.objects.count() == 1
        raise RuntimeError("rollback")
    assert not Notice.objects.exists() and not DBTaskResult.objects.exists()


def test_a_missing_value_is_refused_naming_it(outbox) -> None:
    case = open_case()
    with pytest.raises(InvalidInput, match="needs a value") as error:
        notice_send(
            person=caller_of(case),
            kind=NoticeKind.CALLBACK_SCHEDULED,
            context={"reference": "RL-1"},
        )
    assert error.value.field == "context.time"
    assert not Notice.objects.exists()


def test_an_unknown_kind_is_refused() -> None:
    with pytest.raises(InvalidInput, match="Unknown value") as error:
        notice_render(kind="spam", language="ru", context={})
    assert error.value.field == "kind"


def test_template_placeholders_are_substituted_never_formatted() -> None:
    language, text = notice_render(
        kind=NoticeKind.CORRIDOR_SUSPENDED,
        language="en",
        context={"corridor": "{reference.__class__}"},
    )
    assert language == "en" and "{reference.__class__}" in text


def test_a_person_without_phone_or_chat_gets_no_address_on_the_timeline(outbox) -> None:
    case = open_case(phone="")
    notice = notice_send(
        person=caller_of(case),
        kind=NoticeKind.ACKNOWLEDGEMENT,
        context={"reference": "RL-1"},
        case=case,
    )
    assert notice.status == NoticeStatus.NO_ADDRESS and outbox == []
    assert case.events.filter(kind=EventKind.NOTE).count() == 1


def _acknowledge(case: Case, capture: Any) -> Notice:
    """Return the acknowledgement of the case after every send attempt the task made."""
    with capture(execute=True):
        notice = notice_send(
            person=caller_of(case),
            kind=NoticeKind.ACKNOWLEDGEMENT,
            context={"reference": "RL-1"},
            case=case,
        )
    notice.refresh_from_db()
    return notice


def test_the_console_backend_logs_neither_text_nor_address(
    outbox, caplog, capsys, django_capture_on_commit_callbacks
) -> None:
    notice = _acknowledge(open_case(phone="+79101234567"), django_capture_on_commit_callbacks)

    assert notice.status == NoticeStatus.SENT and [o.body for o in outbox] == [notice.body]
    printed = capsys.readouterr()
    logged = caplog.text + printed.out + printed.err
    assert "RL-1" not in logged and "обращения" not in logged
    assert "9101234567" not in logged
    assert f"notice {notice.provider_id} by sms to …567, {len(notice.body)} characters" in logged


def test_the_console_backend_keeps_only_its_last_notices_in_memory(outbox) -> None:
    console = backends.ConsoleBackend()

    for n in range(backends.OUTBOX_KEPT + 5):
        console.send(medium="sms", address="+79101234567", body=f"notice {n}")

    assert len(outbox) == backends.OUTBOX_KEPT
    assert (outbox[0].body, outbox[-1].body) == ("notice 5", f"notice {backends.OUTBOX_KEPT + 4}")


@pytest.fixture
def flaky(settings, monkeypatch):
    monkeypatch.setitem(backends.BACKENDS, "flaky", FlakyBackend)
    settings.RELIEFLINE_NOTIFY_BACKEND = "flaky"
    FlakyBackend.calls, FlakyBackend.failures, FlakyBackend.transient = 0, 0, True
    return FlakyBackend


def test_a_transient_failure_is_retried_and_each_attempt_is_on_the_timeline(
    outbox, flaky, django_capture_on_commit_callbacks
) -> None:
    flaky.failures = 2
    case = open_case()
    notice = _acknowledge(case, django_capture_on_commit_callbacks)
    assert (notice.status, notice.attempts, notice.provider_id) == (NoticeStatus.SENT, 3, "flaky-3")
    texts = [e.display_text for e in case.events.filter(kind=EventKind.NOTE)]
    assert texts[0].startswith("SMS attempt 1 failed (gateway 503); next try in 30 s.")
    assert texts[1].startswith("SMS attempt 2 failed (gateway 503); next try in 60 s.")
    assert texts[2].startswith("Sent by SMS (Russian), attempt 3:")


def test_sending_gives_up_after_five_attempts(
    outbox, flaky, django_capture_on_commit_callbacks
) -> None:
    flaky.failures = 99
    case = open_case()
    notice = _acknowledge(case, django_capture_on_commit_callbacks)
    assert (notice.status, notice.attempts) == (NoticeStatus.FAILED, 5)
    assert [e.display_text for e in case.events.filter(kind=EventKind.NOTE)][-1].endswith(
        "given up."
    )


def test_a_permanent_failure_is_not_retried(
    outbox, flaky, django_capture_on_commit_callbacks
) -> None:
    flaky.failures, flaky.transient = 1, False
    case = open_case()
    notice = _acknowledge(case, django_capture_on_commit_callbacks)
    assert (notice.status, notice.attempts, flaky.calls) == (NoticeStatus.FAILED, 1, 1)


def test_the_retry_waits_in_the_database_queue_with_backoff(
    settings, flaky, django_capture_on_commit_callbacks
) -> None:
    settings.TASKS = DATABASE_QUEUE
    flaky.failures = 1
    case = open_case()
    with django_capture_on_commit_callbacks(execute=True):
        notice = notice_send(
            person=caller_of(case), kind=NoticeKind.ACKNOWLEDGEMENT, context={"reference": "RL-1"}
        )
    job = DBTaskResult.objects.get()
    assert job.args_kwargs["args"] == [notice.pk]
    from reliefline.channels.services import notice_attempt

    before = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        assert notice_attempt(notice.pk) == NoticeStatus.QUEUED
    retry = DBTaskResult.objects.exclude(pk=job.pk).get()
    assert before + dt.timedelta(seconds=29) < retry.run_after < before + dt.timedelta(seconds=40)


def test_a_kind_without_any_template_left_falls_back_to_the_defaults() -> None:
    NoticeTemplate.objects.filter(kind=NoticeKind.CORRIDOR_SUSPENDED).delete()
    language, text = notice_render(
        kind=NoticeKind.CORRIDOR_SUSPENDED, language="uk", context={"corridor": "A"}
    )
    assert (language, text[:40]) == ("uk", "reliefline: гуманітарний коридор A призу")
    assert NoticeTemplate.objects.filter(kind=NoticeKind.CORRIDOR_SUSPENDED).count() == 3


def test_a_language_without_a_template_falls_back_along_its_order() -> None:
    NoticeTemplate.objects.filter(kind=NoticeKind.ACKNOWLEDGEMENT, language="uk").delete()
    assert (
        notice_render(
            kind=NoticeKind.ACKNOWLEDGEMENT, language="uk", context={"reference": "RL-1"}
        )[0]
        == "ru"
    )


def test_retention_clears_notices_and_contacts_of_purged_persons(outbox, client, settings) -> None:
    from reliefline.access.tests.factories import UserFactory
    from reliefline.hotline.retention import cases_purge
    from reliefline.hotline.services import case_transition

    case = open_case()
    notice_send(
        person=caller_of(case),
        kind=NoticeKind.ACKNOWLEDGEMENT,
        context={"reference": "RL-1"},
        case=case,
    )
    Contact.objects.create(person=caller_of(case), medium=Medium.SMS, address="+79101234567")
    InboundMessage.objects.create(
        sender="twilio", external_id="SM1", case=case, detected={"needs": ["water"]}
    )
    closed = case_transition(case, to="closed", by=UserFactory(role="operator"))
    Case.objects.filter(pk=closed.pk).update(closed_at=timezone.now() - dt.timedelta(days=400))

    cases_purge()

    notice = Notice.objects.get()
    assert (notice.body, notice.address) == ("", "")
    assert not Contact.objects.exists()
    assert InboundMessage.objects.get().detected == {}


def test_retention_clears_notices_of_a_purged_case_whose_caller_stays(outbox) -> None:
    from reliefline.access.tests.factories import UserFactory
    from reliefline.hotline.retention import cases_purge
    from reliefline.hotline.services import CaseInput, case_open, case_transition

    old = open_case()
    notice_send(
        person=caller_of(old),
        kind=NoticeKind.ACKNOWLEDGEMENT,
        context={"reference": "RL-1"},
        case=old,
    )
    closed = case_transition(old, to="closed", by=UserFactory(role="operator"))
    Case.objects.filter(pk=closed.pk).update(closed_at=timezone.now() - dt.timedelta(days=400))
    # The same caller has a newer open case, so retention keeps the person.
    case_open(
        CaseInput(channel="sms", language="ru", person_id=caller_of(old).pk, needs=[]), by=None
    )

    report = cases_purge()

    assert report.person_ids == []
    assert Notice.objects.get().body == ""


def test_a_notice_whose_worker_died_mid_send_is_settled_and_never_resent(outbox) -> None:
    from reliefline.channels.services import notice_attempt, notices_unstick

    case = open_case()
    person = caller_of(case)
    dead, busy = (
        notice_send(
            person=person, kind=NoticeKind.ACKNOWLEDGEMENT, context={"reference": r}, case=case
        )
        for r in ("RL-1", "RL-2")
    )
    now = timezone.now()
    # Claimed by workers: one killed eleven minutes ago, one still calling the sender.
    Notice.objects.filter(pk=dead.pk).update(
        status=NoticeStatus.SENDING, attempts=1, claimed_at=now - dt.timedelta(minutes=11)
    )
    Notice.objects.filter(pk=busy.pk).update(
        status=NoticeStatus.SENDING, attempts=1, claimed_at=now - dt.timedelta(minutes=1)
    )

    assert notices_unstick(now=now) == 1
    assert notice_attempt(dead.pk) == "skipped"  # a retried job does not send it either

    dead.refresh_from_db()
    assert (dead.status, dead.error) == (
        NoticeStatus.FAILED,
        "worker stopped while sending; delivery unknown",
    )
    assert Notice.objects.get(pk=busy.pk).status == NoticeStatus.SENDING
    assert outbox == []
    notes = [e.display_text for e in case.events.filter(kind=EventKind.NOTE)]
    assert sum("delivery unknown" in text for text in notes) == 1


def test_the_scheduler_settles_a_dead_workers_notice_with_no_other_send(
    transactional_db: None, settings, capsys
) -> None:
    settings.RELIEFLINE_NOTIFY_BACKEND = "console"
    backends.outbox.clear()
    case = open_case()
    notice = notice_send(
        person=caller_of(case), kind=NoticeKind.ACKNOWLEDGEMENT, context={"reference": "RL-1"}
    )
    DBTaskResult.objects.all().delete()  # its own delivery job died with the worker
    Notice.objects.filter(pk=notice.pk).update(
        status=NoticeStatus.SENDING,
        attempts=1,
        claimed_at=timezone.now() - dt.timedelta(minutes=11),
    )

    call_command("scheduler", "--once")
    assert "enqueued notices_settle" in capsys.readouterr().out
    call_command("db_worker", "--batch", "--no-startup-delay")

    notice.refresh_from_db()
    assert (notice.status, backends.outbox) == (NoticeStatus.FAILED, [])


def test_a_notice_whose_job_died_before_taking_it_is_sent_once_after_all(
    transactional_db: None, settings
) -> None:
    """Killed between taking the job and claiming the notice: the notice was never sent."""
    settings.RELIEFLINE_NOTIFY_BACKEND = "console"
    backends.outbox.clear()
    notice = notice_send(
        person=caller_of(open_case()),
        kind=NoticeKind.ACKNOWLEDGEMENT,
        context={"reference": "RL-1"},
    )
    long_ago = timezone.now() - STUCK_AFTER - dt.timedelta(minutes=1)
    DBTaskResult.objects.update(status="RUNNING", started_at=long_ago)  # its worker is gone
    Notice.objects.filter(pk=notice.pk).update(created_at=long_ago)

    call_command("scheduler", "--once")
    call_command("db_worker", "--batch", "--no-startup-delay")

    notice.refresh_from_db()
    assert notice.status == NoticeStatus.SENT
    assert [sent.body for sent in backends.outbox] == [notice.body]
    assert notices_requeue_orphans() == 0  # sent: nothing left to queue


def test_a_notice_waiting_for_its_retry_or_its_worker_is_left_alone(
    transactional_db: None,
) -> None:
    notice = notice_send(
        person=caller_of(open_case()),
        kind=NoticeKind.ACKNOWLEDGEMENT,
        context={"reference": "RL-1"},
    )
    long_ago = timezone.now() - STUCK_AFTER - dt.timedelta(minutes=1)
    Notice.objects.filter(pk=notice.pk).update(created_at=long_ago)
    later = timezone.now() + dt.timedelta(seconds=120)
    DBTaskResult.objects.update(run_after=later)  # a transient failure's deferred retry

    assert notices_requeue_orphans() == 0
    DBTaskResult.objects.update(status="RUNNING", started_at=timezone.now())  # being sent now
    assert notices_requeue_orphans() == 0
    assert DBTaskResult.objects.count() == 1
