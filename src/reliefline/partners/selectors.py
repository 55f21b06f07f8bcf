"""What a partner may see: agreements in force, checked at the moment of each request."""

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.contrib.auth.models import AnonymousUser, User
from django.db import connection
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from reliefline.disclosure import INTERNAL_PERMISSION, Cell, small_cell
from reliefline.errors import InvalidInput, NotFound
from reliefline.evacuation.models import Corridor, CorridorStatus, Vehicle
from reliefline.evacuation.selectors import corridor_list
from reliefline.hotline.models import OPEN_STATUSES, Case, Need
from reliefline.partners.models import (
    Activity,
    Category,
    Organisation,
    Referral,
    Sector,
    SharingAgreement,
)
from reliefline.schemas import MAX_ID


@dataclass(frozen=True)
class Access:
    """The agreements a user's organisations hold in force at `at`, or internal access."""

    at: dt.datetime
    internal: bool
    organisations: tuple[Organisation, ...] = ()
    agreements: tuple[SharingAgreement, ...] = field(default=())

    def allows(self, category: str) -> bool:
        """Return whether some agreement in force shares this category (aggregates: always)."""
        if category == Category.AGGREGATES or self.internal:
            return True
        return any(category in a.categories for a in self.agreements)

    def grants(self, field_name: str) -> bool:
        """Return whether a personal field may be shown: internal, or granted in force."""
        return self.internal or any(field_name in a.fields for a in self.agreements)

    def for_category(self, category: str) -> list[SharingAgreement]:
        return [a for a in self.agreements if category in a.categories]


def organisations_of(user: User | AnonymousUser) -> list[Organisation]:
    """Return the organisations the user is a member of."""
    if not isinstance(user, User):
        return []
    return list(Organisation.objects.filter(memberships__user=user).order_by("name"))


def access_for(user: User | AnonymousUser, *, at: dt.datetime | None = None) -> Access:
    """Return what the user may see right now; an agreement that ended a second ago is out."""
    at = at or timezone.now()
    internal = isinstance(user, User) and user.has_perm(INTERNAL_PERMISSION)
    organisations = organisations_of(user)
    agreements = (
        SharingAgreement.objects.filter(
            organisation__in=organisations, starts_at__lte=at, ends_at__gt=at
        )
        .filter(Q(revoked_at__isnull=True) | Q(revoked_at__gt=at))
        .select_related("organisation")
        .prefetch_related("settlements")
    )
    return Access(
        at=at,
        internal=internal,
        organisations=tuple(organisations),
        agreements=tuple(agreements),
    )


def agreements_visible(user: User) -> QuerySet[SharingAgreement]:
    """Return the agreements the user may read: all for internal staff, else their own."""
    agreements = SharingAgreement.objects.select_related("organisation").prefetch_related(
        "settlements"
    )
    if user.has_perm(INTERNAL_PERMISSION) or user.has_perm("partners.add_sharingagreement"):
        return agreements
    return agreements.filter(organisation__memberships__user=user)


def activities_of(
    *,
    organisation: str = "",
    sector: str = "",
    settlement: str = "",
    active_from: dt.date | None = None,
    active_until: dt.date | None = None,
) -> QuerySet[Activity]:
    """Return 3W activities (public to every partner: who does what where, their people
    figures read through `activity_figures`), newest first; with a period, those whose
    own period overlaps it."""
    activities = Activity.objects.select_related("organisation", "settlement")
    if organisation:
        activities = activities.filter(
            Q(organisation__name__iexact=organisation)
            | Q(organisation__acronym__iexact=organisation)
        )
    if sector:
        activities = activities.filter(sector=sector)
    if settlement:
        activities = activities.filter(settlement_id=settlement)
    if active_from is not None:
        activities = activities.filter(ends_on__gte=active_from)
    if active_until is not None:
        activities = activities.filter(starts_on__lte=active_until)
    return activities.order_by("-starts_on", "-id")


def activity_figures(activity: Activity, *, access: Access) -> tuple[Cell, Cell]:
    """Return the people targeted and reached as the reader may read them: exactly for
    internal staff (`disclosure.reads_exact_counts`) and for members of the organisation
    that reported the activity, who typed them; through `small_cell` for anyone else.

    Two people reached by family tracing in one village single them out as much as a
    needs cell of two households does.
    """
    if access.internal or activity.organisation in access.organisations:
        return activity.targeted, activity.reached
    return small_cell(activity.targeted), small_cell(activity.reached)


def organisations_reporting(user: User, access: Access) -> list[Organisation]:
    """Return the organisations the user may report 3W for: any for a coordinator
    (partners.change_activity), else only their own."""
    if user.has_perm("partners.change_activity"):
        return list(Organisation.objects.order_by("name"))
    return list(access.organisations)


def activity_editable(pk: int, *, user: User, access: Access) -> Activity:
    """Return the 3W line if the user may correct it (reported for one of the
    organisations they report for), else NotFound: ids reveal nothing."""
    activity = activities_of().filter(pk=pk).first()
    if activity is None or activity.organisation not in organisations_reporting(user, access):
        raise NotFound(_("No activity %(id)s.") % {"id": pk}, field="id")
    return activity


@dataclass(frozen=True)
class SharedCase:
    case: Case
    fields: frozenset[str]
    need_types: frozenset[str]


def shared_cases(access: Access, *, limit: int = 200) -> list[SharedCase]:
    """Return the open cases the partner's agreements share, each with the fields granted.

    A case is shared by an agreement of the cases category when it lies in one of the
    agreement's settlements and has an open need of one of its need types.
    """
    grants: dict[int, tuple[set[str], set[str]]] = {}
    cases: dict[int, Case] = {}
    for agreement in access.for_category(Category.CASES):
        places = [p.pk for p in agreement.settlements.all()]
        needs = Need.objects.filter(
            fulfilled_at__isnull=True,
            type__in=agreement.need_types,
            case__status__in=OPEN_STATUSES,
            case__settlement_id__in=places,
        )
        for need in needs.select_related("case", "case__settlement", "case__caller")[:limit]:
            fields, types = grants.setdefault(need.case_id, (set(), set()))
            fields.update(agreement.fields)
            types.add(need.type)
            cases[need.case_id] = need.case
    return [
        SharedCase(case=cases[pk], fields=frozenset(f), need_types=frozenset(t))
        for pk, (f, t) in sorted(grants.items())
    ][:limit]


def referrals_visible(user: User, access: Access) -> QuerySet[Referral]:
    """Return referrals: all for internal staff; for a partner, those under agreements in
    force (an expired agreement hides its referrals the same minute)."""
    referrals = Referral.objects.select_related(
        "case", "case__settlement", "case__caller", "agreement__organisation"
    )
    if access.internal:
        return referrals
    return referrals.filter(agreement__in=[a.pk for a in access.agreements])


def referral_get(pk: str, *, user: User, access: Access) -> Referral:
    """Return the referral the user may see, or raise NotFound (never 403: ids reveal nothing)."""
    referral = None
    # ASCII digits, and no more than an id has: int() refuses "²" (which isdigit()
    # takes) and numbers of thousands of digits.
    if pk.isascii() and pk.isdigit() and len(pk) <= len(str(MAX_ID)):
        referral = referrals_visible(user, access).filter(pk=int(pk)).first()
    if referral is None:
        raise NotFound(_("No referral %(id)s.") % {"id": pk[:20]}, field="id")
    return referral


@dataclass(frozen=True)
class SharedCorridor:
    """A corridor an agreement in force covers, and the organisation it is shared with."""

    corridor: Corridor
    organisation: Organisation
    vehicles: tuple[Vehicle, ...]


def corridors_shared(access: Access) -> list[SharedCorridor]:
    """Return the corridors whose checkpoint manifests the partner's agreements share.

    An agreement in force of the manifests category covers a corridor whose route
    stops at one of its settlements; a closed corridor is no longer shared. Only the
    vehicles of its locked convoys are: before the lock an allocation is a draft that
    the next run may change, and nobody on it has been told to come. Each corridor goes
    with the organisation of the first agreement covering it (by name), the recipient
    its manifests are recorded as handed to. Internal staff hold no agreement: they
    issue manifests from the convoy page, naming the recipient.
    """
    agreements = sorted(
        access.for_category(Category.MANIFESTS), key=lambda a: (a.organisation.name, a.pk)
    )
    covered = {a.pk: {p.pk for p in a.settlements.all()} for a in agreements}
    places = set().union(*covered.values())
    if not places:
        return []
    corridors = (
        corridor_list()
        .filter(stops__place__in=places)
        .exclude(status=CorridorStatus.CLOSED)
        .distinct()
        .prefetch_related(
            "windows__convoys__vehicles", "windows__convoys__assembly_point", "events__by"
        )
    )
    shared = []
    for corridor in corridors:
        route = {stop.place_id for stop in corridor.stops.all()}
        agreement = next(a for a in agreements if covered[a.pk] & route)
        vehicles = tuple(
            vehicle
            for window in corridor.windows.all()
            for convoy in window.convoys.all()
            if convoy.locked_at is not None
            for vehicle in convoy.vehicles.all()
        )
        shared.append(SharedCorridor(corridor, agreement.organisation, vehicles))
    return shared


def corridor_shared_get(access: Access, corridor_id: int) -> SharedCorridor:
    """Return the corridor if the partner's agreements in force share it, else NotFound."""
    for shared in corridors_shared(access):
        if shared.corridor.pk == corridor_id:
            return shared
    raise NotFound(_("No corridor %(id)s.") % {"id": corridor_id}, field="corridor")


def vehicle_shared_get(shared: SharedCorridor, vehicle_id: int) -> Vehicle:
    """Return the vehicle of one of the corridor's locked convoys, else NotFound."""
    for vehicle in shared.vehicles:
        if vehicle.pk == vehicle_id:
            return vehicle
    raise NotFound(_("No vehicle %(id)s.") % {"id": vehicle_id}, field="vehicle")


@dataclass(frozen=True)
class NeedCell:
    settlement_id: str | None
    need_type: str
    households: int
    people: int


def needs_by_settlement(*, settlement_id: str = "", chunk: int = 2000) -> Iterator[NeedCell]:
    """Yield open needs counted per settlement and need type: the open cases with such a
    need (households) and the people in them, each case counted once per need type
    however many needs of that type it lists. Rows stream from the cursor.

    The ordered DISTINCT lets PostgreSQL merge-join in case order, and read an index on
    open needs' (case, type) without sorting where one exists (docs/benchmarks.md).
    """
    params: list[str] = [str(s) for s in OPEN_STATUSES]
    marks = ", ".join(["%s"] * len(params))
    where_place = ""
    if settlement_id:
        where_place = "AND c.settlement_id = %s"
        params.append(settlement_id)
    sql = f"""
        SELECT c.settlement_id, n.type, COUNT(*), SUM(c.household_size)
        FROM {Case._meta.db_table} c
        JOIN (SELECT DISTINCT case_id, type FROM {Need._meta.db_table}
              WHERE fulfilled_at IS NULL ORDER BY case_id, type) n ON n.case_id = c.id
        WHERE c.status IN ({marks}) {where_place}
        GROUP BY c.settlement_id, n.type
        ORDER BY c.settlement_id, n.type
    """  # noqa: S608 - table names come from the models, values are parameters
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(chunk):
            for settlement_id, need_type, households, people in rows:
                yield NeedCell(settlement_id, need_type, households, people or 0)


def open_cases_by_settlement() -> dict[str, int]:
    """Return the number of open cases per settlement id."""
    rows = (
        Case.objects.filter(status__in=OPEN_STATUSES, settlement__isnull=False)
        .values("settlement_id")
        .annotate(n=Count("id"))
    )
    return {row["settlement_id"]: row["n"] for row in rows}


def sector_check(value: str) -> str:
    """Return the sector, or raise InvalidInput naming the field."""
    if value and value not in Sector.values:
        raise InvalidInput(
            _("One of %(known)s.") % {"known": ", ".join(Sector.values)}, field="sector"
        )
    return value
