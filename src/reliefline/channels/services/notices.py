"""Outbound notices: rendered in the person's language, sent by a background task."""

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from reliefline.channels.backends import DeliveryError, backend_get
from reliefline.channels.defaults import DEFAULT_TEMPLATES
from reliefline.channels.models import (
    Broadcast,
    BroadcastStatus,
    Notice,
    NoticeKind,
    NoticeStatus,
    NoticeTemplate,
)
from reliefline.channels.selectors import (
    Route,
    broadcast_recipients,
    notice_route,
    recipients_count,
)
from reliefline.errors import InvalidInput
from reliefline.hotline.models import Case, EventKind
from reliefline.hotline.services import case_event_append
from reliefline.hotline.timeline import NoteParam, choice_param
from reliefline.jobs import task_enqueue, task_in_database
from reliefline.people.models import Language, Person
from reliefline.places.models import Place
from reliefline.text import text_check

# What each kind of notice may say; a template may use any of its kind's placeholders.
PLACEHOLDERS: dict[str, tuple[str, ...]] = {
    NoticeKind.ACKNOWLEDGEMENT: ("reference",),
    NoticeKind.CALLBACK_SCHEDULED: ("reference", "time"),
    NoticeKind.EVACUATION_ALLOCATED: ("reference", "assembly_point", "time", "bring"),
    NoticeKind.EVACUATION_RESCHEDULED: ("reference", "assembly_point", "time"),
    NoticeKind.CORRIDOR_OPENED: ("corridor", "window"),
    NoticeKind.CORRIDOR_SUSPENDED: ("corridor",),
    NoticeKind.CORRIDOR_CLOSED: ("corridor", "reference"),
    NoticeKind.AID_DISTRIBUTION: ("items", "place", "time"),
    NoticeKind.ARRIVAL_CONFIRMED: ("reference", "place"),
}
# Kinds a coordinator may broadcast to a whole settlement (the rest are per case).
BROADCAST_KINDS = (
    NoticeKind.CORRIDOR_OPENED,
    NoticeKind.CORRIDOR_SUSPENDED,
    NoticeKind.AID_DISTRIBUTION,
)
PLACEHOLDER = re.compile(r"\{(\w+)\}")
CONTEXT_VALUE_MAX = 200
MAX_ATTEMPTS = 5
BACKOFF_BASE = 30  # seconds before the first retry; doubled for each further one
# Far longer than any send (the backends time out after 10 s): a claim this old is a
# worker that died mid-send.
STUCK_AFTER = dt.timedelta(minutes=10)
BROADCAST_SETTLEMENTS_MAX = 200
# A template missing in the person's language falls back along this order.
FALLBACK: dict[str, tuple[str, ...]] = {
    Language.RU: (Language.RU, Language.UK, Language.EN),
    Language.UK: (Language.UK, Language.RU, Language.EN),
    Language.EN: (Language.EN, Language.UK, Language.RU),
}


def placeholders_of(body: str) -> list[str]:
    """Return the placeholder names a template body uses, in order of appearance."""
    return PLACEHOLDER.findall(body)


def required_placeholders(kind: str) -> list[str]:
    """Return the placeholders a text of this kind must keep: those its default uses.

    Without them the resident is not told what the notice is for (a callback with
    no {time}, an evacuation seat with no {assembly_point}).
    """
    default = DEFAULT_TEMPLATES.get(kind, {}).get(Language.EN, "")
    return list(dict.fromkeys(placeholders_of(default)))


def template_check(*, kind: str, body: str) -> None:
    """Raise InvalidInput unless the body's placeholders are its kind's, whole and complete.

    Braces anywhere but around a known name (`{ time }`, `{{reference}}`, an unclosed
    `{time`) would reach the resident as typed, and so would a misspelt name.
    """
    allowed = PLACEHOLDERS.get(kind, ())
    shown = ", ".join("{" + a + "}" for a in allowed)
    for name in placeholders_of(body):
        if name not in allowed:
            raise InvalidInput(
                _("Unknown placeholder {%(name)s}; this kind knows: %(allowed)s.")
                % {"name": name, "allowed": shown},
                field="body",
            )
    if "{" in PLACEHOLDER.sub("", body) or "}" in PLACEHOLDER.sub("", body):
        raise InvalidInput(
            _(
                "Braces go only around a placeholder, with nothing else inside, such as "
                "%(example)s; this kind knows: %(allowed)s."
            )
            % {"example": "{" + (allowed[0] if allowed else "reference") + "}", "allowed": shown},
            field="body",
        )
    missing = [name for name in required_placeholders(kind) if name not in placeholders_of(body)]
    if missing:
        raise InvalidInput(
            _("The text must say %(missing)s: without it the resident is not told.")
            % {"missing": ", ".join("{" + name + "}" for name in missing)},
            field="body",
        )


def _context(kind: str, context: Mapping[str, str]) -> dict[str, str]:
    if kind not in NoticeKind.values:
        raise InvalidInput(_("Unknown value %(value)s.") % {"value": str(kind)[:40]}, field="kind")
    cleaned = {}
    for name in PLACEHOLDERS[kind]:
        value = " ".join(text_check(str(context.get(name, "")), field=f"context.{name}").split())
        if len(value) > CONTEXT_VALUE_MAX:
            raise InvalidInput(
                _("At most %(n)s characters.") % {"n": CONTEXT_VALUE_MAX}, field=f"context.{name}"
            )
        cleaned[name] = value
    return cleaned


def _template(kind: str, language: str) -> NoticeTemplate:
    templates = {t.language: t for t in NoticeTemplate.objects.filter(kind=kind)}
    if not templates and kind in DEFAULT_TEMPLATES:
        NoticeTemplate.objects.bulk_create(
            [
                NoticeTemplate(kind=kind, language=code, body=body)
                for code, body in DEFAULT_TEMPLATES[kind].items()
            ],
            ignore_conflicts=True,  # a concurrent notice may restore them first
        )
        templates = {t.language: t for t in NoticeTemplate.objects.filter(kind=kind)}
    for code in FALLBACK.get(language, FALLBACK[Language.RU]):
        if code in templates:
            return templates[code]
    raise InvalidInput(
        _("No template for %(kind)s in any language.") % {"kind": kind}, field="kind"
    )


def notice_render(*, kind: str, language: str, context: Mapping[str, str]) -> tuple[str, str]:
    """Return (language, text) of the notice: the template of the language, filled in.

    Placeholders are replaced by plain substitution, never str.format, so a template
    edited by a coordinator cannot reach into the objects behind the values. A missing
    value is refused, naming it, rather than sending "{time}" to a resident.
    """
    values = _context(kind, context)
    template = _template(kind, language)
    missing = [name for name in placeholders_of(template.body) if not values.get(name)]
    if missing:
        raise InvalidInput(_("This notice needs a value."), field=f"context.{missing[0]}")
    return template.language, PLACEHOLDER.sub(lambda m: values[m.group(1)], template.body)


def _timeline(notice: Notice, msgid: str, **params: NoteParam) -> None:
    # The notice's medium, language and kind go with every note, each shown in the
    # reader's language however the worker that wrote the note was set up.
    if notice.case_id is not None:
        case = Case.objects.get(pk=notice.case_id)
        own = {name: choice_param(notice, name) for name in ("medium", "language", "kind")}
        case_event_append(case, kind=EventKind.NOTE, msgid=msgid, params={**own, **params})


def _notice_make(
    *,
    person: Person,
    kind: str,
    context: Mapping[str, str],
    case: Case | None,
    by: User | None,
    route: Route,
    broadcast: Broadcast | None = None,
    replied: bool = False,
) -> Notice:
    language, body = notice_render(kind=kind, language=route.language, context=context)
    if replied:
        status = NoticeStatus.SENT
    else:
        status = NoticeStatus.QUEUED if route.medium else NoticeStatus.NO_ADDRESS
    notice = Notice.objects.create(
        person=person,
        case=case,
        broadcast=broadcast,
        kind=kind,
        language=language,
        medium=route.medium,
        address=route.address,
        body=body,
        status=status,
        attempts=1 if replied else 0,
        sent_at=timezone.now() if replied else None,
        created_by=by,
    )
    if status == NoticeStatus.NO_ADDRESS:
        _timeline(notice, gettext_noop("Notice %(kind)s not sent: no phone or chat to send it to."))
    return notice


def _enqueue(notice: Notice, *, delay: float = 0) -> None:
    from reliefline.channels.tasks import notice_deliver  # the task module imports this one

    task = notice_deliver
    if delay > 0 and task.get_backend().supports_defer:
        task = task.using(run_after=timezone.now() + dt.timedelta(seconds=delay))
    task_enqueue(task, notice.pk)


@transaction.atomic
def notice_send(
    *,
    person: Person,
    kind: str,
    context: Mapping[str, str],
    case: Case | None = None,
    by: User | None = None,
) -> Notice:
    """Return the notice made for the person, queued to be sent once the caller commits.

    The language is the one the person last wrote in (their last message, else their
    last case, else the language recorded for them: selectors.routes_for); the address
    is the one they last wrote from, else their phone by SMS. Without either the notice
    is kept with status no_address. Raise InvalidInput for an unknown kind or a missing
    placeholder value.
    """
    notice = _notice_make(
        person=person, kind=kind, context=context, case=case, by=by, route=notice_route(person)
    )
    if notice.status == NoticeStatus.QUEUED:
        _enqueue(notice)
    return notice


@transaction.atomic
def notice_replied(
    *, person: Person, kind: str, context: Mapping[str, str], case: Case, route: Route
) -> Notice:
    """Return a notice sent as the webhook's own answer (TwiML, RapidPro's response).

    The sender relays it, so it is recorded as sent and no task is queued.
    """
    notice = _notice_make(
        person=person, kind=kind, context=context, case=case, by=None, route=route, replied=True
    )
    _timeline(
        notice, gettext_noop("Answered in the reply (%(language)s): %(body)s"), body=notice.body
    )
    return notice


def _broadcast_settle(notice: Notice) -> None:
    """Mark the notice's broadcast done once none of its notices waits to be sent."""
    if notice.broadcast_id is None:
        return
    pending = Notice.objects.filter(
        broadcast_id=notice.broadcast_id, status__in=(NoticeStatus.QUEUED, NoticeStatus.SENDING)
    )
    if not pending.exists():
        Broadcast.objects.filter(pk=notice.broadcast_id, status=BroadcastStatus.SENDING).update(
            status=BroadcastStatus.DONE, finished_at=timezone.now()
        )


def notices_unstick(*, now: dt.datetime | None = None) -> int:
    """Settle notices whose worker died while sending them; return how many.

    Such a notice may or may not have reached the sender, so it is never sent again
    (a resident must not get two evacuation notices): it is marked failed, "delivery
    unknown", on its case's timeline, and its broadcast can finish.
    """
    cutoff = (now or timezone.now()) - STUCK_AFTER
    stuck = list(
        Notice.objects.filter(status=NoticeStatus.SENDING, claimed_at__lt=cutoff).values_list(
            "pk", flat=True
        )
    )
    for notice_id in stuck:
        with transaction.atomic():
            notice = (
                Notice.objects.select_for_update()
                .filter(pk=notice_id, status=NoticeStatus.SENDING)
                .first()
            )
            if notice is None:
                continue
            notice.status = NoticeStatus.FAILED
            notice.error = "worker stopped while sending; delivery unknown"
            notice.save(update_fields=["status", "error"])
            _timeline(
                notice,
                gettext_noop(
                    "%(medium)s attempt %(n)s: the worker stopped while sending; delivery "
                    "unknown, so it is not sent again. Check with the resident before resending."
                ),
                n=notice.attempts,
            )
            _broadcast_settle(notice)
    return len(stuck)


def notices_requeue_orphans(*, now: dt.datetime | None = None) -> int:
    """Queue again the notices left waiting with no job to send them; return how many.

    A notice is stored with its job in one transaction (reliefline.jobs), but a worker
    killed after taking the job and before claiming the notice leaves it queued for
    ever: its job is running with nobody running it. A notice job claims its notice
    within seconds, so one still running after STUCK_AFTER is dead. The notice was
    never claimed, so never handed to a sender: queuing it again cannot send it twice
    (a second job finds it claimed). Only the database queue is looked at.
    """
    from reliefline.channels.tasks import notice_deliver  # the task module imports this one

    if not task_in_database(notice_deliver):
        return 0
    cutoff = (now or timezone.now()) - STUCK_AFTER
    waiting = list(
        Notice.objects.filter(status=NoticeStatus.QUEUED, created_at__lt=cutoff).values_list(
            "pk", flat=True
        )
    )
    requeued = 0
    for notice_id in waiting:
        jobs = DBTaskResult.objects.filter(
            task_path=notice_deliver.module_path, args_kwargs__args__0=notice_id
        )
        alive = jobs.filter(status=TaskResultStatus.READY) | jobs.filter(
            status=TaskResultStatus.RUNNING, started_at__gte=cutoff
        )
        if not alive.exists():
            with transaction.atomic():
                notice = Notice.objects.filter(pk=notice_id, status=NoticeStatus.QUEUED).first()
                if notice is not None:
                    _enqueue(notice)
                    requeued += 1
    return requeued


def notice_attempt(notice_id: int) -> str:
    """Try to send the notice once; return its status afterwards.

    The notice is claimed (queued → sending) in its own transaction before the sender is
    called, so two workers never send it twice and no lock is held during the call. A
    transient failure queues another attempt after 30 s, 60 s, 120 s ... up to five.
    """
    notices_unstick()
    with transaction.atomic():
        claimed = Notice.objects.filter(pk=notice_id, status=NoticeStatus.QUEUED).update(
            status=NoticeStatus.SENDING, attempts=F("attempts") + 1, claimed_at=timezone.now()
        )
        if not claimed:
            return "skipped"
    notice = Notice.objects.get(pk=notice_id)
    try:
        provider_id = backend_get().send(
            medium=notice.medium, address=notice.address, body=notice.body
        )
    except DeliveryError as error:
        with transaction.atomic():
            retry = error.transient and notice.attempts < MAX_ATTEMPTS
            notice.status = NoticeStatus.QUEUED if retry else NoticeStatus.FAILED
            notice.error = str(error)[:300]
            notice.save(update_fields=["status", "error"])
            if retry:
                delay = BACKOFF_BASE * 2 ** (notice.attempts - 1)
                _timeline(
                    notice,
                    gettext_noop(
                        "%(medium)s attempt %(n)s failed (%(error)s); next try in %(s)s s."
                    ),
                    n=notice.attempts,
                    error=notice.error,
                    s=delay,
                )
                _enqueue(notice, delay=delay)
            else:
                _timeline(
                    notice,
                    gettext_noop("%(medium)s attempt %(n)s failed (%(error)s); given up."),
                    n=notice.attempts,
                    error=notice.error,
                )
                _broadcast_settle(notice)
        return notice.status
    with transaction.atomic():
        notice.status, notice.provider_id, notice.sent_at = (
            NoticeStatus.SENT,
            provider_id[:64],
            timezone.now(),
        )
        notice.error = ""
        notice.save(update_fields=["status", "provider_id", "sent_at", "error"])
        _timeline(
            notice,
            gettext_noop("Sent by %(medium)s (%(language)s), attempt %(n)s: %(body)s"),
            n=notice.attempts,
            body=notice.body,
        )
        _broadcast_settle(notice)
    return notice.status


# Twilio's MessageStatus values and what they mean for a notice.
DELIVERY_STATUSES = {
    "delivered": NoticeStatus.DELIVERED,
    "read": NoticeStatus.DELIVERED,
    "undelivered": NoticeStatus.FAILED,
    "failed": NoticeStatus.FAILED,
}


@transaction.atomic
def notice_delivery_report(*, provider_id: str, status: str, error_code: str = "") -> Notice | None:
    """Return the notice the sender reported on, its final status recorded, else None.

    Interim statuses (queued, sending, sent) change nothing; a report for a message
    reliefline did not send is ignored.
    """
    final = DELIVERY_STATUSES.get(status)
    notice = (
        Notice.objects.select_for_update().filter(provider_id=provider_id).first()
        if provider_id
        else None
    )
    if notice is None or final is None or notice.status == final:
        return notice
    notice.status = final
    notice.error = f"error {error_code}" if error_code else ""
    notice.save(update_fields=["status", "error"])
    if final == NoticeStatus.DELIVERED:
        _timeline(notice, gettext_noop("%(medium)s notice delivered."))
    else:
        _timeline(
            notice,
            gettext_noop("%(medium)s notice not delivered (%(error)s)."),
            error=notice.error or status,
        )
    return notice


def _settlements(settlement_ids: Sequence[str]) -> list[Place]:
    ids = list(dict.fromkeys(settlement_ids))
    if not ids:
        raise InvalidInput(_("Choose at least one settlement."), field="settlements")
    if len(ids) > BROADCAST_SETTLEMENTS_MAX:
        raise InvalidInput(
            _("At most %(n)s settlements.") % {"n": BROADCAST_SETTLEMENTS_MAX}, field="settlements"
        )
    for value in ids:
        text_check(value, field="settlements")
    places = list(Place.objects.filter(pk__in=ids))
    if len(places) != len(ids):
        unknown = sorted(set(ids) - {p.pk for p in places})[0]
        raise InvalidInput(
            _("Unknown settlement %(id)s.") % {"id": unknown[:64]}, field="settlements"
        )
    return places


def broadcast_validate(
    *, kind: str, context: Mapping[str, str], settlement_ids: Sequence[str]
) -> list[Place]:
    """Return the chosen settlements, or raise InvalidInput naming the field at fault."""
    if kind not in BROADCAST_KINDS:
        raise InvalidInput(_("This kind of notice cannot be broadcast."), field="kind")
    places = _settlements(settlement_ids)
    for language in Language.values:
        notice_render(kind=kind, language=language, context=context)
    return places


@transaction.atomic
def notices_broadcast(
    *, kind: str, context: Mapping[str, str], settlement_ids: Sequence[str], by: User
) -> Broadcast:
    """Return a broadcast to everyone with an open case in the settlements, being sent.

    One notice per person (on their latest open case's timeline), in their language,
    made now so the count is fixed; the sends are spread at RELIEFLINE_NOTIFY_RATE per
    second, so a sender's rate limit is never hit.
    """
    places = broadcast_validate(kind=kind, context=context, settlement_ids=settlement_ids)
    broadcast = Broadcast.objects.create(
        kind=kind, context=dict(_context(kind, context)), created_by=by
    )
    broadcast.settlements.set(places)
    rate = max(settings.RELIEFLINE_NOTIFY_RATE, 0.01)
    queued = 0
    recipients = broadcast_recipients([p.pk for p in places])
    for recipient in recipients:
        notice = _notice_make(
            person=recipient.person,
            kind=kind,
            context=context,
            case=recipient.case,
            by=by,
            route=recipient.route,
            broadcast=broadcast,
        )
        if notice.status == NoticeStatus.QUEUED:
            _enqueue(notice, delay=queued / rate)
            queued += 1
    broadcast.recipients = len(recipients)
    if queued == 0:
        broadcast.status, broadcast.finished_at = BroadcastStatus.DONE, timezone.now()
    broadcast.save(update_fields=["recipients", "status", "finished_at"])
    return broadcast


@dataclass(frozen=True)
class PreviewLine:
    """How a broadcast reads in one language, and whom it reaches by which medium."""

    language: str
    text: str
    by_medium: dict[str, int]

    @property
    def recipients(self) -> int:
        return sum(self.by_medium.values())

    @property
    def unreachable(self) -> int:
        return self.by_medium.get("", 0)


def broadcast_preview(
    *, kind: str, context: Mapping[str, str], settlement_ids: Sequence[str]
) -> list[PreviewLine]:
    """Return the broadcast as each language's recipients would read it, with counts.

    Every language is shown, even with no recipient yet, so a coordinator checks all
    three texts before sending. Raise InvalidInput as notices_broadcast would.
    """
    places = broadcast_validate(kind=kind, context=context, settlement_ids=settlement_ids)
    counts = recipients_count(broadcast_recipients([p.pk for p in places]))
    lines = []
    for language in Language.values:
        _used, text = notice_render(kind=kind, language=language, context=context)
        by_medium = {m: n for m, n in sorted(counts.get(language, {}).items())}
        lines.append(PreviewLine(language=language, text=text, by_medium=by_medium))
    return lines


# How the admin's history names a change of a template's text (construct_change_message).
ADDED: list[dict[str, Any]] = [{"added": {}}]
CHANGED: list[dict[str, Any]] = [{"changed": {"fields": ["Body"]}}]


@transaction.atomic
def notice_texts_save(*, kind: str, texts: dict[str, str], by: User) -> int:
    """Store the kind's texts that differ from the stored ones; return how many did.

    Each change is stamped with its author and goes into the template's history, as a
    change in the admin does (django_admin_log). Texts are not personal data, so the
    audit log is not written. Two coordinators saving at once: the last one wins, as
    in the admin.
    """
    stored = {t.language: t for t in NoticeTemplate.objects.select_for_update().filter(kind=kind)}
    changed = 0
    for language, body in texts.items():
        template = stored.get(language)
        if template is not None and template.body == body:
            continue
        template, created = NoticeTemplate.objects.update_or_create(
            kind=kind, language=language, defaults={"body": body, "updated_by": by}
        )
        LogEntry.objects.log_actions(
            user_id=by.pk,
            queryset=[template],
            action_flag=ADDITION if created else CHANGE,
            change_message=ADDED if created else CHANGED,
        )
        changed += 1
    return changed
