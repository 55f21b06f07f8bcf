"""Inbound messages: each delivery becomes a case, or an event on the sender's open case.

A web form request always becomes a case of its own: its phone is unverified.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from reliefline.access.audit import audit_record
from reliefline.access.crypto import blind_index_candidates
from reliefline.access.models import AuditAction
from reliefline.channels.models import Contact, InboundMessage, Notice, NoticeKind, Sender
from reliefline.channels.selectors import Route, settlement_find
from reliefline.channels.services.notices import notice_replied, notice_send
from reliefline.channels.understand import Understanding, item_word, text_understand
from reliefline.errors import InvalidInput
from reliefline.hotline.models import OPEN_STATUSES, Case, EventKind
from reliefline.hotline.selectors import callers_web_only, cases_of_caller, persons_where
from reliefline.hotline.services import (
    MESSAGE_MAX,
    CaseInput,
    NeedInput,
    case_event_append,
    case_open,
    consent_method_for,
)
from reliefline.people.models import Language, Person
from reliefline.people.phones import phone_normalise
from reliefline.people.selectors import person_lookup
from reliefline.people.services import PersonInput
from reliefline.places.models import Place
from reliefline.places.selectors import place_search
from reliefline.text import text_check

EXTERNAL_ID_MAX = 200
# Earlier cases a web request's warning names: enough to find the caller, not a history.
POSSIBLE_MATCH_CASES = 5
# How the acknowledgement reaches the resident: in the webhook's own answer, which the
# sender relays (Twilio, RapidPro); as a queued notice (Telegram); or not at all (Kobo,
# whose forms are filled by field teams, and the web form, which shows it on the page).
ACK_REPLY, ACK_SEND, ACK_NONE = "reply", "send", "none"


@dataclass(frozen=True)
class Inbound:
    """A message as a sender delivered it, in reliefline's words; validated on receipt.

    `fields` maps these attribute names to the sender's own (Body, message.text, ...),
    so an error names the field the sender knows.
    """

    sender: str
    external_id: str
    channel: str
    text: str
    medium: str = ""
    address: str = ""
    phone: str = ""
    given_name: str = ""
    family_name: str = ""
    language: str = ""  # stated by the sender (a form's question); else detected
    language_hint: str = ""  # used when the text has no letters (Telegram's language_code)
    settlement: str = ""
    household_size: int | None = None
    needs: Sequence[str] = ()
    vulnerabilities: Sequence[str] = ()
    acknowledge: str = ACK_NONE
    attachments: int = 0  # photos or files sent with the text, which stay with the sender
    fields: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Receipt:
    """What became of a message: its case, whether it was new, and the answer to give."""

    message: InboundMessage
    case: Case
    duplicate: bool
    reply: str = ""

    @property
    def language(self) -> str:
        return self.message.language or self.case.language


def _name(data: Inbound, attribute: str) -> str:
    return data.fields.get(attribute) or attribute


def _validate(data: Inbound) -> None:
    if not data.external_id:
        raise InvalidInput(_("A message id is required."), field=_name(data, "external_id"))
    if len(data.external_id) > EXTERNAL_ID_MAX:
        raise InvalidInput(
            _("At most %(n)s characters.") % {"n": EXTERNAL_ID_MAX},
            field=_name(data, "external_id"),
        )
    for attribute in ("external_id", "text", "address", "phone", "given_name", "family_name",
                      "settlement"):  # fmt: skip
        text_check(getattr(data, attribute), field=_name(data, attribute))
    if len(data.text) > MESSAGE_MAX:
        raise InvalidInput(
            _("At most %(n)s characters.") % {"n": MESSAGE_MAX}, field=_name(data, "text")
        )
    if data.phone and not phone_normalise(data.phone):
        raise InvalidInput(_("Not a phone number."), field=_name(data, "phone"))
    if data.language and data.language not in Language.values:
        raise InvalidInput(_("Unknown language."), field=_name(data, "language"))


def _vouched(data: Inbound) -> bool:
    """Return whether the sender vouches for the message's address and phone.

    The carrier or platform does for SMS, WhatsApp, Telegram, RapidPro and Kobo (each
    authenticated). On the public web form anyone can type anyone's phone: linking by
    it would tell a stranger whether that phone has a case, give them its reference,
    and let them write on it.
    """
    return data.sender != Sender.WEB


def _known_person(data: Inbound) -> Person | None:
    """Return the person who wrote from this address or phone before, if any.

    Only an exact address or phone links automatically; a name alone never does (an
    operator decides with the identity matcher), so one resident's message is never
    filed on a namesake's case. Nor does a phone only the web form gave (_web_only).
    """
    if data.medium and data.address:
        contact = (
            Contact.objects.filter(
                medium=data.medium,
                address_index__in=blind_index_candidates(data.address),
                person__purged_at__isnull=True,
            )
            .select_related("person")
            .order_by("-last_inbound_at", "-id")
            .first()
        )
        if contact is not None:
            return contact.person
    phone = phone_normalise(data.phone) if data.phone else None
    if phone:
        found = [p for p in person_lookup(phone=phone) if p.purged_at is None]
        unvouched = _web_only(found)
        persons = [p for p in found if p.pk not in unvouched]
        with_case = [p for p in persons if _open_case(p) is not None]
        ranked = with_case or persons
        return ranked[0] if ranked else None
    return None


def _web_only(persons: Sequence[Person]) -> set[int]:
    """Return the ids of those whose phone only the public web form ever gave.

    Anyone could have typed it there: a message from that phone joining their case
    would put the phone owner's words on a stranger's case, under a reference the
    stranger holds. A case by any other channel, or a contact (only vouched senders
    write one), makes the phone theirs.
    """
    web = callers_web_only([p.pk for p in persons])
    if not web:
        return set()
    contacted = set(Contact.objects.filter(person_id__in=web).values_list("person_id", flat=True))
    return web - contacted


def _open_case(person: Person) -> Case | None:
    return (
        Case.objects.filter(caller=person, status__in=OPEN_STATUSES)
        .order_by("-created_at", "-id")
        .first()
    )


def _settlement_id(data: Inbound) -> str | None:
    if data.settlement:
        if Place.objects.filter(pk=data.settlement).exists():
            return data.settlement
        named = place_search(data.settlement, limit=1)
        if named:
            return named[0].pk
    found = settlement_find(data.text)
    return found.pk if found else None


def _contact_note(data: Inbound, person: Person, language: str) -> None:
    if not (data.medium and data.address):
        return
    now = timezone.now()
    indexes = blind_index_candidates(data.address)
    updated = Contact.objects.filter(
        person=person, medium=data.medium, address_index__in=indexes
    ).update(language=language, last_inbound_at=now)
    if not updated:
        contact = Contact.objects.create(
            person=person,
            medium=data.medium,
            address=data.address,
            language=language,
            last_inbound_at=now,
        )
        audit_record(
            user=None,
            action=AuditAction.CREATE,
            record=f"channels.contact:{contact.pk}",
            purpose=gettext_noop("inbound message"),
            person_ids=[person.pk],
            fields=["address"],
        )


# The note as earlier versions wrote it, by person id: timelines keep it (a note is
# stored as its msgid), so its translations stay in the catalog.
_POSSIBLE_MATCH_NOTE_BY_ID = gettext_noop(
    "Sent through the public web form with the phone of a person already "
    "registered (person %(persons)s; earlier cases: %(references)s). Anyone can "
    "type a phone there: ask the caller before treating them as that person, or "
    "merge the two in the duplicate review."
)


def _possible_match_note(data: Inbound, case: Case) -> None:
    """Warn on a web request's new case when its phone is already someone's.

    The request is never filed on that person or their cases (see _vouched); the
    operator reads which persons and earlier cases share the phone, and asks the
    caller, or merges the two persons in the duplicate review.
    """
    phone = phone_normalise(data.phone) if data.phone else None
    if not phone:
        return
    persons = [p for p in person_lookup(phone=phone) if p.pk != case.caller_id]
    if not persons:
        return
    earlier = [str(c.reference) for c in cases_of_caller(phone=phone) if c.pk != case.pk]
    case_event_append(
        case,
        kind=EventKind.NOTE,
        msgid=gettext_noop(
            "Sent through the public web form with a phone already registered (in "
            "%(households)s; earlier cases: %(references)s). Anyone can type a phone "
            "there: ask the caller before treating them as someone registered with it, "
            "or merge the two in the duplicate review."
        ),
        params={
            "households": ", ".join(persons_where(persons)),
            "references": ", ".join(earlier[:POSSIBLE_MATCH_CASES]) or "—",
        },
    )


def _duplicate(data: Inbound) -> Receipt | None:
    message = (
        InboundMessage.objects.select_related("case")
        .filter(sender=data.sender, external_id=data.external_id)
        .first()
    )
    if message is None or message.case is None:
        return None
    # The sender asks again because it missed the first answer: give the same one.
    notice = (
        Notice.objects.filter(case=message.case, kind=NoticeKind.ACKNOWLEDGEMENT)
        .order_by("-created_at", "-id")
        .first()
    )
    return Receipt(
        message=message, case=message.case, duplicate=True, reply=notice.body if notice else ""
    )


def _new_case(
    data: Inbound, person: Person | None, language: str, understood: Understanding
) -> Case:
    # In the case's language, which is the message's own unless the sender stated one.
    item = item_word(understood.items[0], language) if understood.items else ""
    needs = [
        NeedInput(type=need, item=item if need == "medicine" else "")
        for need in sorted({*understood.needs, *data.needs})
    ]
    caller = None
    if person is None:
        caller = PersonInput(
            given_name=data.given_name,
            family_name=data.family_name,
            phone=data.phone,
            preferred_language=language,
            consent_method=consent_method_for(data.channel),
        )
    return case_open(
        CaseInput(
            channel=data.channel,
            language=language,
            caller=caller,
            person_id=person.pk if person else None,
            settlement_id=_settlement_id(data),
            household_size=data.household_size,
            needs=needs,
            vulnerabilities=sorted({*understood.vulnerabilities, *data.vulnerabilities}),
            message=data.text,
        ),
        by=None,
    )


@transaction.atomic
def message_receive(data: Inbound) -> Receipt:
    """Return the receipt of a delivered message: a new case, or an event on the open one.

    The (sender, external id) pair is unique in the database, so a retried delivery,
    even one racing the first, never makes a second case or event: it gets the first
    delivery's receipt. The raw text is kept, encrypted, as a message event on the
    case's timeline. A web form request opens a new case whatever phone it gives, and
    its receipt names only that case. Raise InvalidInput naming the sender's field for
    a bad value.
    """
    _validate(data)
    earlier = _duplicate(data)
    if earlier is not None:
        return earlier
    try:
        with transaction.atomic():
            message = InboundMessage.objects.create(
                sender=data.sender, external_id=data.external_id
            )
    except IntegrityError:
        earlier = _duplicate(data)
        if earlier is None:  # the other delivery failed and rolled back: let it retry
            raise
        return earlier
    understood = text_understand(data.text)
    language = data.language or understood.language or data.language_hint or Language.RU
    if language not in Language.values:
        language = Language.RU
    # A web request is always a case of its own, whoever's phone it names.
    person = _known_person(data) if _vouched(data) else None
    case = _open_case(person) if person is not None else None
    opened = case is None
    if case is None:
        case = _new_case(data, person, language, understood)
    assert case.caller is not None
    person = case.caller
    event = case_event_append(
        case,
        kind=EventKind.MESSAGE,
        text=data.text,
        msgid="" if data.text else gettext_noop("(a message without text)"),
    )
    if data.attachments:
        # Not downloaded (they may show faces and places); the operator learns they exist.
        case_event_append(
            case,
            kind=EventKind.NOTE,
            msgid=gettext_noop("Attachments sent with this message and not kept: %(n)s."),
            params={"n": data.attachments},
        )
    if _vouched(data):
        _contact_note(data, person, language)
    else:
        _possible_match_note(data, case)
    message.case, message.event, message.person, message.language = case, event, person, language
    message.opened_case = opened
    message.detected = {
        "language": understood.language or "",
        "needs": list(understood.needs),
        "items": list(understood.items),
        "vulnerabilities": list(understood.vulnerabilities),
        "settlement": case.settlement_id or "",
    }
    message.save()
    return Receipt(
        message=message, case=case, duplicate=False, reply=_acknowledge(data, case, language)
    )


def _acknowledge(data: Inbound, case: Case, language: str) -> str:
    assert case.caller is not None
    context = {"reference": str(case.reference)}
    if data.acknowledge == ACK_REPLY:
        route = Route(language=language, medium=data.medium, address=data.address)
        notice = notice_replied(
            person=case.caller,
            kind=NoticeKind.ACKNOWLEDGEMENT,
            context=context,
            case=case,
            route=route,
        )
        return str(notice.body)
    if data.acknowledge == ACK_SEND:
        notice_send(person=case.caller, kind=NoticeKind.ACKNOWLEDGEMENT, context=context, case=case)
    return ""
