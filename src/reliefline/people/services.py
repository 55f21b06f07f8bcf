"""Every write to households and persons."""

import datetime as dt
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from reliefline.access.audit import audit_record
from reliefline.access.models import AuditAction
from reliefline.errors import Conflict, InvalidInput
from reliefline.people.errors import InvalidPhone
from reliefline.people.models import (
    ConsentMethod,
    Household,
    Language,
    LegalBasis,
    Person,
    PersonKey,
)
from reliefline.people.phones import phone_normalise
from reliefline.people.selectors import Candidate
from reliefline.places.models import Place
from reliefline.text import text_check

NAME_MAX = 100
# Django rebuilds Choices.values on every access; a bulk import validates a million rows.
_LANGUAGES = frozenset(Language.values)
_LEGAL_BASES = frozenset(LegalBasis.values)
_CONSENT_METHODS = frozenset(ConsentMethod.values)


@dataclass(frozen=True)
class PersonInput:
    """A person as typed by an operator or sent by a channel; nothing validated yet."""

    given_name: str = ""
    family_name: str = ""
    patronymic: str = ""
    birth_date: dt.date | None = None
    phone: str = ""
    preferred_language: str = Language.UK
    legal_basis: str = LegalBasis.CONSENT
    consent_method: str = ConsentMethod.VERBAL


def person_validate(data: PersonInput, *, field: str = "caller", nameless: str = "") -> PersonInput:
    """Return the input cleaned (phone in E.164, names trimmed), or raise InvalidInput.

    Refusals name `field` and its fields (`caller.birth_date`); `nameless` is what to say
    when neither a phone nor a name is given, by default that the caller's is needed.
    """
    names = {}
    for name in ("given_name", "family_name", "patronymic"):
        value = " ".join(text_check(getattr(data, name), field=f"{field}.{name}").split())
        if len(value) > NAME_MAX:
            raise InvalidInput(
                _("At most %(n)s characters.") % {"n": NAME_MAX}, field=f"{field}.{name}"
            )
        names[name] = value
    phone = ""
    if data.phone.strip():
        phone = phone_normalise(data.phone) or ""
        if not phone:
            raise InvalidPhone(field=f"{field}.phone", value=data.phone)
    if not phone and not (names["given_name"] or names["family_name"]):
        raise InvalidInput(nameless or _("Give the caller's phone or name."), field=field)
    if data.birth_date is not None:
        today = timezone.localdate()
        if not dt.date(1900, 1, 1) <= data.birth_date <= today:
            raise InvalidInput(_("The birth date is impossible."), field=f"{field}.birth_date")
    if data.preferred_language not in _LANGUAGES:
        raise InvalidInput(_("Unknown language."), field=f"{field}.preferred_language")
    if data.legal_basis not in _LEGAL_BASES:
        raise InvalidInput(_("Unknown legal basis."), field=f"{field}.legal_basis")
    if data.consent_method not in _CONSENT_METHODS:
        raise InvalidInput(_("Unknown consent method."), field=f"{field}.consent_method")
    if data.legal_basis == LegalBasis.CONSENT and data.consent_method == ConsentMethod.NOT_OBTAINED:
        raise InvalidInput(
            _("Consent is the legal basis, so record how it was given."),
            field=f"{field}.consent_method",
        )
    return PersonInput(
        **names,
        birth_date=data.birth_date,
        phone=phone,
        preferred_language=data.preferred_language,
        legal_basis=data.legal_basis,
        consent_method=data.consent_method,
    )


@transaction.atomic(savepoint=False)  # one write; the caller's transaction rolls it back
def household_create(*, settlement: Place | None, size: int) -> Household:
    """Return a new household in the settlement."""
    return Household.objects.create(settlement=settlement, size=size)


@transaction.atomic(savepoint=False)  # one write; the caller's transaction rolls it back
def person_create(
    data: PersonInput, *, household: Household | None, by: User | None = None
) -> Person:
    """Return a new person from validated input (see person_validate), consent recorded."""
    return Person.objects.create(
        household=household,
        given_name=data.given_name,
        family_name=data.family_name,
        patronymic=data.patronymic,
        birth_date=data.birth_date,
        phone=data.phone,
        preferred_language=data.preferred_language,
        legal_basis=data.legal_basis,
        consent_method=data.consent_method,
        consent_at=None if data.consent_method == ConsentMethod.NOT_OBTAINED else timezone.now(),
        consent_recorded_by=by,
    )


def person_writable(person: Person, *, field: str = "person") -> Person:
    """Return the person, or raise Conflict (naming `field`) once retention purged them.

    Retention anonymises a person once and then passes them by, so a name or phone
    written on them afterwards would be kept for good. Every write of personal data
    onto an existing person passes through here.
    """
    if person.purged_at is not None:
        raise Conflict(
            _("P-%(id)s was purged under retention: nothing more is recorded on this person.")
            % {"id": person.pk},
            field=field,
        )
    return person


@transaction.atomic
def person_update(person: Person, data: PersonInput, *, field: str = "person") -> Person:
    """Return the person with the identifying fields of validated input (see person_validate).

    Person.save rewrites the person's matching keys in the same transaction. A purged
    person is refused (person_writable).
    """
    person_writable(person, field=field)
    person.given_name = data.given_name
    person.family_name = data.family_name
    person.patronymic = data.patronymic
    person.birth_date = data.birth_date
    person.phone = data.phone
    person.preferred_language = data.preferred_language
    person.save()
    return person


def people_reindex(*, batch: int = 2000, progress: Callable[[int], object] | None = None) -> int:
    """Rebuild the identity-matching index (PersonKey) from the persons; return how many.

    Batch by batch, each in its own transaction, so a large registry never holds one
    long lock and a rerun after an interruption simply starts again.
    """
    done = 0
    last_pk = 0
    while True:
        persons = list(Person.objects.filter(pk__gt=last_pk).order_by("pk")[:batch])
        if not persons:
            return done
        with transaction.atomic():
            PersonKey.objects.filter(person__in=persons).delete()
            PersonKey.objects.bulk_create(
                PersonKey(person=person, kind=kind, value=value)
                for person in persons
                for kind, value in PersonKey.keys_of(person)
            )
        done += len(persons)
        last_pk = persons[-1].pk
        if progress is not None:
            progress(len(persons))


def person_anonymise(person: Person, *, now: dt.datetime) -> None:
    """Remove every personal field of the person; the row stays for aggregate counts.

    Records merged into the person, and the field values merges kept for undo, go too:
    a merged record has no case of its own left for retention to find it by.
    """
    persons_anonymise([person.pk], now=now)
    person.refresh_from_db()


@transaction.atomic
def persons_anonymise(person_ids: Collection[int], *, now: dt.datetime) -> None:
    """Remove every personal field of these persons and of the records merged into them.

    As person_anonymise, in a few queries for them all: retention anonymises hundreds
    of persons per transaction, and one save each (with its matching keys, merged
    records and merges) held SQLite's write lock about 6 ms per person.
    """
    from reliefline.people.merge import merges_forget  # merge builds on this module

    ids = set(person_ids)
    merged = ids
    while merged:  # a record merged into one merged into these, and so on
        merged = set(
            Person.objects.filter(merged_into__in=merged, purged_at__isnull=True)
            .exclude(pk__in=ids)
            .values_list("pk", flat=True)
        )
        ids |= merged
    # What Person.save would derive from the emptied fields, which update() skips.
    Person.objects.filter(pk__in=ids).update(
        given_name="",
        family_name="",
        patronymic="",
        phone="",
        birth_date=None,
        purged_at=now,
        name_key=Person.name_key_for(family_name="", given_name=""),
        phone_index="",
    )
    PersonKey.objects.filter(person__in=ids).delete()
    merges_forget(ids)


MATCH_PURPOSE = gettext_noop("identity match")


def person_match_audit(
    candidates: Sequence[Candidate],
    *,
    by: User | None,
    request: HttpRequest | None,
    fields: Iterable[str],
) -> None:
    """Record in the audit log that these candidates' fields were shown; none, nothing."""
    if not candidates:
        return
    audit_record(
        user=by,
        action=AuditAction.SEARCH,
        record="people.person:match",
        purpose=MATCH_PURPOSE,
        person_ids=[c.person.pk for c in candidates],
        fields=fields,
        request=request,
    )
