"""Every write of the partners app: agreements, memberships, 3W activities, referrals."""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from reliefline.access import audit_labels
from reliefline.access.audit import audit_record
from reliefline.access.models import AuditAction
from reliefline.errors import Conflict, InvalidInput, NotFound
from reliefline.evacuation.models import ManifestKind
from reliefline.evacuation.services import Manifest, manifest_issue
from reliefline.hotline.models import OPEN_STATUSES, Case, NeedType
from reliefline.partners.models import (
    Activity,
    Category,
    Membership,
    Organisation,
    Referral,
    ReferralStatus,
    Sector,
    SharedField,
    SharingAgreement,
)
from reliefline.partners.selectors import (
    Access,
    SharedCorridor,
    organisations_reporting,
    vehicle_shared_get,
)
from reliefline.places.models import Place
from reliefline.text import text_check

PURPOSE_MAX = 300
DESCRIPTION_MAX = 200
NOTE_MAX = 500
PEOPLE_MAX = 10_000_000


def _choices(values: Sequence[str], known: Sequence[str], *, field: str) -> list[str]:
    unknown = [v for v in values if v not in known]
    if unknown:
        raise InvalidInput(
            _("%(value)s is not one of %(known)s.")
            % {"value": str(unknown[0])[:40], "known": ", ".join(known)},
            field=field,
        )
    return sorted(set(values))


def _text(value: str, *, limit: int, field: str, required: bool = True) -> str:
    value = " ".join(text_check(value, field=field).split())
    if required and not value:
        raise InvalidInput(_("Required."), field=field)
    if len(value) > limit:
        raise InvalidInput(_("At most %(n)d characters.") % {"n": limit}, field=field)
    return value


def _places(ids: Sequence[str], *, field: str) -> list[Place]:
    for place_id in ids:
        text_check(place_id, field=field)
    places = {p.pk: p for p in Place.objects.filter(pk__in=ids)}
    missing = [i for i in ids if i not in places]
    if missing:
        raise InvalidInput(_("No settlement %(id)s.") % {"id": missing[0][:64]}, field=field)
    return list(places.values())


@dataclass(frozen=True)
class AgreementInput:
    organisation_id: int
    purpose: str
    categories: Sequence[str]
    starts_at: dt.datetime
    ends_at: dt.datetime
    need_types: Sequence[str] = field(default_factory=tuple)
    settlements: Sequence[str] = field(default_factory=tuple)
    fields: Sequence[str] = field(default_factory=tuple)


@transaction.atomic
def agreement_create(data: AgreementInput, *, by: User | None) -> SharingAgreement:
    """Return the new sharing agreement, or raise InvalidInput naming the field."""
    organisation = Organisation.objects.filter(pk=data.organisation_id).first()
    if organisation is None:
        raise InvalidInput(_("No such organisation."), field="organisation")
    categories = _choices(data.categories, Category.values, field="categories")
    if not categories:
        raise InvalidInput(_("Name at least one category."), field="categories")
    need_types = _choices(data.need_types, NeedType.values, field="need_types")
    if Category.CASES in categories and not need_types:
        raise InvalidInput(_("Name the need types of the cases shared."), field="need_types")
    if data.ends_at <= data.starts_at:
        raise InvalidInput(_("Must be after the start."), field="ends_at")
    places = _places(data.settlements, field="settlements")
    if set(categories) - {Category.AGGREGATES} and not places:
        raise InvalidInput(_("Name the settlements covered."), field="settlements")
    agreement = SharingAgreement.objects.create(
        organisation=organisation,
        purpose=_text(data.purpose, limit=PURPOSE_MAX, field="purpose"),
        categories=categories,
        need_types=need_types,
        fields=_choices(data.fields, SharedField.values, field="fields"),
        starts_at=data.starts_at,
        ends_at=data.ends_at,
        signed_by=by,
    )
    agreement.settlements.set(places)
    return agreement


@transaction.atomic
def agreement_revoke(agreement: SharingAgreement, *, at: dt.datetime | None = None) -> None:
    """End the agreement now (or at `at`); access stops at that moment."""
    SharingAgreement.objects.filter(pk=agreement.pk, revoked_at__isnull=True).update(
        revoked_at=at or timezone.now()
    )


def membership_add(user: User, organisation: Organisation) -> Membership:
    """Return the user's membership of the organisation, created if new."""
    membership, _created = Membership.objects.get_or_create(user=user, organisation=organisation)
    return membership


@dataclass(frozen=True)
class ActivityInput:
    organisation_id: int
    sector: str
    description: str
    settlement: str
    starts_on: dt.date
    ends_on: dt.date
    targeted: int
    reached: int = 0


# What a correction may change: everything but who entered the line and when.
ACTIVITY_FIELDS = (
    "organisation",
    "sector",
    "description",
    "settlement",
    "starts_on",
    "ends_on",
    "targeted",
    "reached",
)


def _activity_checked(data: ActivityInput, *, by: User, access: Access) -> Activity:
    """Return an unsaved 3W line from the input, or raise InvalidInput naming the field."""
    organisation = Organisation.objects.filter(pk=data.organisation_id).first()
    if organisation is None or organisation not in organisations_reporting(by, access):
        raise InvalidInput(_("Not an organisation you report for."), field="organisation")
    _choices([data.sector], Sector.values, field="sector")
    if data.ends_on < data.starts_on:
        raise InvalidInput(_("Must not be before the start."), field="ends_on")
    for name, number in (("targeted", data.targeted), ("reached", data.reached)):
        if not 0 <= number <= PEOPLE_MAX:
            raise InvalidInput(_("Between 0 and %(n)d.") % {"n": PEOPLE_MAX}, field=name)
    (place,) = _places([data.settlement], field="settlement")
    return Activity(
        organisation=organisation,
        sector=data.sector,
        description=_text(data.description, limit=DESCRIPTION_MAX, field="description"),
        settlement=place,
        starts_on=data.starts_on,
        ends_on=data.ends_on,
        targeted=data.targeted,
        reached=data.reached,
    )


def activity_record(data: ActivityInput, *, by: User, access: Access) -> Activity:
    """Return the new 3W line; a partner may only report for its own organisations."""
    activity = _activity_checked(data, by=by, access=access)
    activity.entered_by = by
    activity.save()
    return activity


@transaction.atomic
def activity_update(
    activity: Activity, data: ActivityInput, *, by: User, access: Access
) -> Activity:
    """Return the 3W line corrected; a partner corrects only its own organisations' lines
    and cannot hand one to another organisation. Who entered it, and when, stays."""
    activity = Activity.objects.select_for_update().get(pk=activity.pk)
    if activity.organisation not in organisations_reporting(by, access):
        raise NotFound(_("No activity %(id)s.") % {"id": activity.pk}, field="id")
    checked = _activity_checked(data, by=by, access=access)
    for name in ACTIVITY_FIELDS:
        setattr(activity, name, getattr(checked, name))
    activity.save(update_fields=ACTIVITY_FIELDS)
    return activity


@transaction.atomic
def referral_create(
    case: Case, *, agreement: SharingAgreement, need_types: Sequence[str], by: User
) -> Referral:
    """Return the referral of the case to the agreement's organisation.

    The agreement must be in force, share cases of these need types and cover the
    case's settlement, and the case must have open needs of those types; the fields
    disclosed are the agreement's, recorded on the
    referral and in the audit log.
    """
    now = timezone.now()
    if not agreement.in_force(now) or Category.CASES not in agreement.categories:
        raise InvalidInput(_("Not an agreement in force that shares cases."), field="agreement")
    types = _choices(need_types, agreement.need_types, field="need_types")
    if not types:
        raise InvalidInput(_("Name the needs referred."), field="need_types")
    if case.status not in OPEN_STATUSES:
        raise InvalidInput(_("Only open cases can be referred."), field="case")
    # Referred under a need the case does not have, its details would reach a partner
    # the agreement gave them to for another purpose.
    needed = set(case.needs.filter(fulfilled_at__isnull=True).values_list("type", flat=True))
    if not set(types) <= needed:
        raise InvalidInput(
            _("The case has no open need of the types %(types)s.")
            % {"types": ", ".join(sorted(set(types) - needed))},
            field="need_types",
        )
    covered = {p.pk for p in agreement.settlements.all()}
    if case.settlement_id not in covered:
        raise InvalidInput(_("The agreement does not cover this settlement."), field="case")
    if Referral.objects.filter(
        case=case, agreement=agreement, status=ReferralStatus.PENDING
    ).exists():
        raise Conflict(_("Already referred and waiting for an answer."), field="case")
    referral = Referral.objects.create(
        case=case, agreement=agreement, need_types=types, fields=agreement.fields, referred_by=by
    )
    audit_record(
        user=by,
        action=AuditAction.EXPORT,
        record=f"partners.referral:{referral.pk}",
        purpose=audit_labels.REFERRAL.text(
            case=case.reference, organisation=agreement.organisation
        ),
        person_ids=[case.caller_id],
        fields=["reference", "settlement", "needs", *agreement.fields],
    )
    return referral


@transaction.atomic
def referral_respond(referral: Referral, *, accept: bool, note: str, by: User) -> Referral:
    """Return the referral accepted or declined by the partner; answered only once."""
    referral = Referral.objects.select_for_update().get(pk=referral.pk)
    if referral.status != ReferralStatus.PENDING:
        raise Conflict(_("This referral was already answered."), field="status")
    referral.status = ReferralStatus.ACCEPTED if accept else ReferralStatus.DECLINED
    referral.response_note = _text(note, limit=NOTE_MAX, field="note", required=False)
    referral.responded_by = by
    referral.responded_at = timezone.now()
    referral.save(update_fields=["status", "response_note", "responded_by", "responded_at"])
    return referral


def manifest_share(
    shared: SharedCorridor, *, vehicle_id: int, format: str, language: str, by: User
) -> Manifest:
    """Return the vehicle's checkpoint manifest for the partner, recorded and audited.

    Always the checkpoint manifest (name, birth year, place, vehicle), whatever
    personal fields the agreement grants: it is what passage needs, and a guarantor
    checks passage. Evacuation's manifest_issue records it as handed to the
    organisation whose agreement covers the corridor and audits it as an export.
    """
    return manifest_issue(
        vehicle_shared_get(shared, vehicle_id),
        kind=ManifestKind.CHECKPOINT,
        language=language,
        recipient=shared.organisation.name,
        format=format,
        by=by,
    )
