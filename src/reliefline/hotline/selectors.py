"""Every non-trivial read of cases."""

import base64
import datetime as dt
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from reliefline.errors import InvalidInput
from reliefline.hotline.errors import CaseNotFound
from reliefline.hotline.models import OPEN_STATUSES, Band, Case, Channel, Need, Status
from reliefline.people.matching import Decision
from reliefline.people.models import Person
from reliefline.people.selectors import MatchQuery, person_lookup, person_match
from reliefline.places.models import Place
from reliefline.text import text_unstorable


@dataclass(frozen=True)
class QueueFilters:
    status: str = ""  # one status, "open" (default) or "all"
    band: str = ""
    settlement: str = ""
    language: str = ""
    assignee: str = ""  # a username, or "me" resolved by the caller, or "none"
    need: str = ""
    overdue: bool = False
    callback_due: bool = False


def case_scope(user: User | None) -> QuerySet[Case]:
    """Return the cases a user may see: all, those of their assigned settlements, or none.

    None stands for the system itself (commands, tasks, benchmarks).
    """
    if user is None or user.has_perm("hotline.view_all_cases"):
        return Case.objects.all()
    if user.has_perm("hotline.view_case"):
        return Case.objects.filter(settlement__assignments__user=user)
    return Case.objects.none()


def case_queue(
    filters: QueueFilters, *, user: User | None = None, now: dt.datetime | None = None
) -> QuerySet[Case]:
    """Return the cases `user` may see for the queue, highest priority first, then longest waiting."""
    now = now or timezone.now()
    cases = case_scope(user)
    if filters.status in ("", "open"):
        cases = cases.filter(status__in=OPEN_STATUSES)
    elif filters.status != "all":
        cases = cases.filter(status=filters.status)
    if filters.band:
        cases = cases.filter(band=filters.band)
    if filters.settlement:
        cases = cases.filter(settlement_id=filters.settlement)
    if filters.language:
        cases = cases.filter(language=filters.language)
    if filters.assignee == "none":
        cases = cases.filter(assignee__isnull=True)
    elif filters.assignee:
        cases = cases.filter(assignee__username=filters.assignee)
    if filters.need:
        cases = cases.filter(pk__in=Need.objects.filter(type=filters.need).values("case_id"))
    if filters.overdue:
        cases = cases.filter(due_at__lt=now, status__in=OPEN_STATUSES)
    if filters.callback_due:
        cases = cases.filter(callback_at__lte=now, status__in=OPEN_STATUSES)
    return cases.select_related("settlement", "caller", "assignee").order_by(
        "-priority", "created_at", "id"
    )


def _encode_cursor(case: Case) -> str:
    raw = json.dumps([case.priority, case.created_at.isoformat(), case.pk])
    return base64.urlsafe_b64encode(raw.encode()).decode()


def case_page(
    cases: QuerySet[Case], *, cursor: str = "", size: int
) -> tuple[list[Case], str | None]:
    """Return one page of a queue-ordered queryset and the cursor of the next page.

    The cursor is the (priority, created_at, id) of the last case shown, so cases
    arriving meanwhile never shift or repeat what the reader has already seen.
    """
    if cursor:
        try:
            priority, created, pk = json.loads(base64.urlsafe_b64decode(cursor.encode()))
            created_at = dt.datetime.fromisoformat(created)
            priority, pk = int(priority), int(pk)
        except (ValueError, TypeError, UnicodeDecodeError):
            raise InvalidInput("The cursor is not one this API issued.", field="cursor") from None
        # The redundant priority bound lets the database seek in the queue index
        # instead of filtering every row above the cursor (1.4 ms vs 332 ms at 100k deep).
        cases = cases.filter(
            Q(priority__lte=priority)
            & (
                Q(priority__lt=priority)
                | Q(priority=priority, created_at__gt=created_at)
                | Q(priority=priority, created_at=created_at, pk__gt=pk)
            )
        )
    rows = list(cases[: size + 1])
    next_cursor = _encode_cursor(rows[size - 1]) if len(rows) > size else None
    return rows[:size], next_cursor


def case_get(reference: str, *, user: User | None = None, field: str = "reference") -> Case:
    """Return the case with its timeline and needs loaded, or raise CaseNotFound (naming
    `field`, where the reference was given).

    A reference is read as a person types it: "rl-000009 " is RL-000009. A case outside
    the user's scope is "not found" too, so a reference reveals nothing.
    """
    if text_unstorable(reference):
        raise CaseNotFound(reference=reference, field=field)  # no stored reference holds one
    case = (
        case_scope(user)
        .select_related("caller", "household", "settlement", "assignee")
        .prefetch_related("needs", "events__by")
        .filter(reference=reference.strip().upper())
        .first()
    )
    if case is None:
        raise CaseNotFound(reference=reference, field=field)
    return case


def cases_of_caller(*, phone: str = "", name: str = "", limit: int = 20) -> list[Case]:
    """Return earlier cases of persons with this phone or name, newest first."""
    persons = list(person_lookup(phone=phone, name=name, limit=limit))
    if not persons:
        return []
    return list(
        Case.objects.filter(Q(caller__in=persons) | Q(household__members__in=persons))
        .select_related("caller", "settlement", "household")
        .distinct()
        .order_by("-created_at")[:limit]
    )


def callers_web_only(person_ids: Sequence[int]) -> set[int]:
    """Return the ids of those whose only cases came through the public web form.

    Anyone can type anyone's phone there, so such a person's phone vouches for nobody.
    """
    callers = Case.objects.filter(caller_id__in=person_ids)
    web = set(callers.filter(channel=Channel.WEB).values_list("caller_id", flat=True))
    if not web:
        return set()
    return web - set(callers.exclude(channel=Channel.WEB).values_list("caller_id", flat=True))


@dataclass(frozen=True)
class KnownCaller:
    """Who a caller with no operator to ask is (intake by the API), and who shares the phone."""

    person: Person | None
    # Where the others registered with the caller's phone are, when none is linked: their
    # households' references (H-000012), as the operator's pages show them; a person in
    # no household by number (P-31).
    phone_holders: list[str]


def caller_known(
    *, phone: str, given_name: str, family_name: str, patronymic: str, birth_date: dt.date | None
) -> KnownCaller:
    """Return the registered person this caller is, if certain, with the phone's holders.

    A caller is linked only when their phone is registered and the identity matcher is
    certain of one person holding it, both giving a given and a family name (the names
    agree and nothing vetoes: a family shares a phone and a family name, a father and
    son a name). A phone alone never links, nor a family name alone, nor a phone only
    the public web form gave (callers_web_only). `phone` is in E.164.
    """
    if not phone:
        return KnownCaller(None, [])
    found = [p for p in person_lookup(phone=phone) if p.purged_at is None]
    if not found:
        return KnownCaller(None, [])
    holders = [p.pk for p in found]
    vouched = set(holders) - callers_web_only(holders)
    # Both names on both sides: with a given name missing, the match rests on the family
    # name and the phone, which a whole family shares.
    if vouched and given_name and family_name:
        query = MatchQuery(
            given_name=given_name,
            family_name=family_name,
            patronymic=patronymic,
            birth_date=birth_date,
            phone=phone,
        )
        for candidate in person_match(query):
            person = candidate.person
            if (
                candidate.decision == Decision.MATCH
                and person.pk in vouched
                and person.given_name
                and person.family_name
            ):
                return KnownCaller(person, [])
    return KnownCaller(None, persons_where(found))


def persons_where(persons: Iterable[Person]) -> list[str]:
    """Return where these persons are registered, as the operator's pages name it.

    Their households' references (H-000012), once each; a person in no household by
    number (P-31). A note names them so, never by a bare internal id.
    """
    return sorted({str(p.household) if p.household_id else f"P-{p.pk}" for p in persons})


@dataclass(frozen=True)
class Dashboard:
    by_status: dict[str, int]
    by_band: dict[str, int]
    by_need: dict[str, int]
    by_settlement: list[tuple[str, str, int]]
    overdue: int
    open: int
    callbacks_due: int


def case_dashboard(*, now: dt.datetime | None = None) -> Dashboard:
    """Return counts of open cases by status, band, need and settlement, and the overdue."""
    now = now or timezone.now()
    open_cases = Case.objects.filter(status__in=OPEN_STATUSES)
    by_status = dict(Case.objects.values_list("status").annotate(n=Count("id")).order_by())
    by_band = dict(open_cases.values_list("band").annotate(n=Count("id")).order_by())
    by_need = dict(
        Need.objects.filter(case__status__in=OPEN_STATUSES, fulfilled_at__isnull=True)
        .values_list("type")
        .annotate(n=Count("case", distinct=True))
        .order_by()
    )
    names = ("settlement__name_uk", "settlement__name_ru", "settlement__name_en")
    by_settlement = [
        (
            row["settlement_id"] or "",
            # In the reader's language, as the gazetteer has it (Place.display_name).
            Place(
                id=row["settlement_id"],
                name_uk=row["settlement__name_uk"],
                name_ru=row["settlement__name_ru"],
                name_en=row["settlement__name_en"],
            ).display_name()
            if row["settlement_id"]
            else "",
            row["n"],
        )
        for row in open_cases.values("settlement_id", *names)
        .annotate(n=Count("id"))
        .order_by("-n")[:15]
    ]
    return Dashboard(
        by_status={s.value: by_status.get(s.value, 0) for s in Status},
        by_band={b.value: by_band.get(b.value, 0) for b in Band},
        by_need=by_need,
        by_settlement=by_settlement,
        overdue=open_cases.filter(due_at__lt=now).count(),
        open=open_cases.count(),
        callbacks_due=open_cases.filter(callback_at__lte=now).count(),
    )


def case_assignee_get(username: str) -> User:
    """Return the active user named `username` who may work cases, or raise InvalidInput."""
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None or not user.has_perm("hotline.change_case"):
        raise InvalidInput(
            _("No operator %(name)s can take cases.") % {"name": username[:150]}, field="assignee"
        )
    return user


def needs_open(
    *,
    household_ids: Sequence[int] | None = None,
    settlement_id: str | None = None,
    types: Sequence[str] = (),
) -> QuerySet[Need]:
    """Return the unfulfilled needs of open cases of these households or this settlement."""
    needs = Need.objects.filter(fulfilled_at__isnull=True, case__status__in=OPEN_STATUSES)
    if household_ids is not None:
        needs = needs.filter(case__household_id__in=household_ids)
    if settlement_id is not None:
        needs = needs.filter(case__settlement_id=settlement_id)
    if types:
        needs = needs.filter(type__in=types)
    return needs.select_related("case").order_by("case_id", "id")
