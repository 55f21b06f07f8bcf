"""Reads of channels: where and in which language a person is answered, broadcasts."""

import secrets
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import Count, F, Q

from reliefline.channels.defaults import DEFAULT_TEMPLATES
from reliefline.channels.models import (
    Broadcast,
    Contact,
    InboundMessage,
    Notice,
    NoticeKind,
    NoticeStatus,
    NoticeTemplate,
)
from reliefline.hotline.models import OPEN_STATUSES, Case
from reliefline.people.models import Language, Person
from reliefline.places.models import Place
from reliefline.translit import skeleton

# The operation's residents read Russian first (the authorities in the scenario
# repeat every message in Russian "so that residents understand").
DEFAULT_LANGUAGE = Language.RU
# How far past the latest case a decoy case number may land (reference_decoy).
DECOY_SPREAD = 5


@dataclass(frozen=True)
class Route:
    """How to reach a person: the language to write in, the medium and the address."""

    language: str
    medium: str = ""  # "" when there is nowhere to send to
    address: str = ""


def routes_for(person_ids: Sequence[int]) -> dict[int, Route]:
    """Return the route of each person, in four queries whatever their number.

    Language: of their last message, else of their last case, else the language
    recorded for them (a household member told of a distribution may have neither),
    else Russian. Address: the contact they last wrote from, else their phone by SMS.
    """
    ids = list(person_ids)
    persons = Person.objects.filter(pk__in=ids).values_list("pk", "preferred_language", "phone")
    phones: dict[int, str] = {}
    languages: dict[int, str] = {}
    for person_id, preferred, phone in persons:
        phones[person_id] = phone
        if preferred:
            languages[person_id] = preferred
    for person_id, language in (
        Case.objects.filter(caller_id__in=ids)
        .order_by("created_at", "id")
        .values_list("caller_id", "language")
    ):
        languages[person_id] = language
    for person_id, language in (
        InboundMessage.objects.filter(person_id__in=ids)
        .exclude(language="")
        .order_by("received_at", "id")
        .values_list("person_id", "language")
    ):
        if person_id is not None:
            languages[person_id] = language
    contacts: dict[int, Contact] = {}
    for known in Contact.objects.filter(person_id__in=ids).order_by(
        F("last_inbound_at").asc(nulls_first=True), "id"
    ):
        contacts[known.person_id] = known  # the last one written from wins
    routes = {}
    for person_id in ids:
        language = languages.get(person_id, DEFAULT_LANGUAGE)
        contact = contacts.get(person_id)
        if contact is not None:
            routes[person_id] = Route(language, contact.medium, contact.address)
        elif phones.get(person_id):
            routes[person_id] = Route(language, "sms", phones[person_id])
        else:
            routes[person_id] = Route(language)
    return routes


def notice_route(person: Person) -> Route:
    """Return where and in which language a notice to this person goes."""
    return routes_for([person.pk])[person.pk]


@dataclass(frozen=True)
class Recipient:
    person: Person
    case: Case
    route: Route


def broadcast_recipients(settlement_ids: Sequence[str]) -> list[Recipient]:
    """Return one recipient per person with an open case in the settlements.

    A person with several open cases is written to once, on the latest case.
    """
    latest: dict[int, Case] = {}
    cases = (
        Case.objects.filter(
            settlement_id__in=settlement_ids,
            status__in=OPEN_STATUSES,
            caller__isnull=False,
            caller__purged_at__isnull=True,
        )
        .select_related("caller")
        .order_by("created_at", "id")
    )
    for case in cases:
        assert case.caller_id is not None
        latest[case.caller_id] = case
    routes = routes_for(list(latest))
    return [
        Recipient(person=case.caller, case=case, route=routes[person_id])  # type: ignore[arg-type]
        for person_id, case in sorted(latest.items())
    ]


def recipients_count(recipients: Sequence[Recipient]) -> dict[str, Counter[str]]:
    """Return, per language, how many recipients each medium reaches ("" = nowhere)."""
    counts: dict[str, Counter[str]] = {}
    for recipient in recipients:
        counts.setdefault(recipient.route.language, Counter())[recipient.route.medium] += 1
    return counts


@dataclass(frozen=True)
class Progress:
    broadcast: Broadcast
    by_status: dict[str, int]

    @property
    def pending(self) -> int:
        return self.by_status.get(NoticeStatus.QUEUED, 0) + self.by_status.get(
            NoticeStatus.SENDING, 0
        )

    @property
    def finished(self) -> bool:
        return self.pending == 0

    @property
    def done(self) -> int:
        return sum(self.by_status.values()) - self.pending

    @property
    def rows(self) -> list[tuple[str, int]]:
        """Return (status label, count) in the order of NoticeStatus, zeros left out."""
        return [(str(s.label), self.by_status[s]) for s in NoticeStatus if self.by_status.get(s)]


def broadcast_progress(broadcast: Broadcast) -> Progress:
    """Return how many of the broadcast's notices are in each status."""
    rows = (
        Notice.objects.filter(broadcast=broadcast)
        .values("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    return Progress(broadcast=broadcast, by_status=dict(rows))


def broadcasts_recent(limit: int = 20) -> list[Broadcast]:
    """Return the latest broadcasts, newest first."""
    return list(
        Broadcast.objects.select_related("created_by").prefetch_related("settlements")[:limit]
    )


# Words after which a place name is a region, not a settlement («Курская область»).
REGION_WORDS = ("облас", "раион", "region", "oblast")
SETTLEMENT_WORDS_MAX = 60


def _name_matches(words: list[str], tokens: list[str], at: int) -> bool:
    """Return whether the place name's words stand at tokens[at:], inflection allowed.

    «в Судже», «із Суджі», "Sudzhi" all name Суджа: a word may change its last letter
    and grow by up to two letters, as case endings do.
    """
    if at + len(words) > len(tokens):
        return False
    for word, token in zip(words, tokens[at : at + len(words)], strict=False):
        if token == word:
            continue
        if len(word) < 4 or token[: len(word) - 1] != word[:-1] or len(token) > len(word) + 2:
            return False
    after = tokens[at + len(words)] if at + len(words) < len(tokens) else ""
    return not after.startswith(REGION_WORDS)


def settlement_find(text: str) -> Place | None:
    """Return the gazetteer settlement the text names in any script, the largest if several.

    Candidates come from one query on the places' search keys, so the gazetteer is
    never read whole.
    """
    tokens = skeleton(text[:2000]).split()
    stems = sorted({token[: max(3, len(token) - 2)] for token in tokens if len(token) >= 4})
    if not stems:
        return None
    condition = Q()
    for stem in stems[:SETTLEMENT_WORDS_MAX]:
        condition |= Q(search_key__contains=stem)
    found = []
    for place in Place.objects.filter(condition)[:200]:
        names = {name for name in place.search_key.split(" | ") if name}
        if any(
            _name_matches(name.split(), tokens, at) for name in names for at in range(len(tokens))
        ):
            found.append(place)
    found.sort(key=lambda p: (-(p.population or 0), p.pk))
    return found[0] if found else None


def broadcast_get(pk: int) -> Broadcast | None:
    """Return the broadcast with this id, or None."""
    return Broadcast.objects.select_related("created_by").filter(pk=pk).first()


def settlements_with_open_cases() -> list[Place]:
    """Return the settlements where someone has an open case, by name: broadcast targets."""
    ids = Case.objects.filter(status__in=OPEN_STATUSES, settlement__isnull=False).values(
        "settlement_id"
    )
    return sorted(Place.objects.filter(pk__in=ids), key=lambda p: p.display_name())


def notice_texts() -> dict[str, dict[str, str]]:
    """Return each kind's texts by language, as the next notice of the kind uses them.

    A kind with no template left at all shows the default texts, which its next
    notice restores (services.notices._template); a single language missing shows
    empty, to be written.
    """
    stored: dict[str, dict[str, str]] = {kind: {} for kind in NoticeKind.values}
    for template in NoticeTemplate.objects.filter(kind__in=stored):
        stored[template.kind][template.language] = template.body
    return {kind: texts or dict(DEFAULT_TEMPLATES.get(kind, {})) for kind, texts in stored.items()}


def subject_export(person_id: int) -> dict[str, list[dict[str, object]]]:
    """Return what channels holds about the person, for the data-subject export.

    `contacts`: the addresses they wrote from; `notices`: every message made for them,
    with its text and where it went; `inbound_messages`: the messages they sent and
    what was recognised in them, also those that opened one of their cases without
    naming them (the web form's); the text itself is the case's message or timeline.
    """
    contacts = [
        {
            "medium": contact.medium,
            "address": contact.address,
            "language": contact.language,
            "last_inbound_at": contact.last_inbound_at.isoformat()
            if contact.last_inbound_at
            else None,
            "created_at": contact.created_at.isoformat(),
        }
        for contact in Contact.objects.filter(person_id=person_id).order_by("pk")
    ]
    notices = [
        {
            "id": notice.pk,
            "case": notice.case.reference if notice.case else None,
            "kind": notice.kind,
            "language": notice.language,
            "medium": notice.medium,
            "address": notice.address,
            "text": notice.body,
            "status": notice.status,
            "attempts": notice.attempts,
            "provider_id": notice.provider_id,
            "error": notice.error,
            "created_at": notice.created_at.isoformat(),
            "sent_at": notice.sent_at.isoformat() if notice.sent_at else None,
        }
        for notice in Notice.objects.filter(person_id=person_id)
        .select_related("case")
        .order_by("pk")
    ]
    inbound = [
        {
            "sender": message.sender,
            "external_id": message.external_id,
            "case": message.case.reference if message.case else None,
            "language": message.language,
            "detected": message.detected,
            "opened_case": message.opened_case,
            "received_at": message.received_at.isoformat(),
        }
        for message in InboundMessage.objects.filter(
            Q(person_id=person_id) | Q(case__caller_id=person_id)
        )
        .select_related("case")
        .order_by("pk")
    ]
    return {"contacts": contacts, "notices": notices, "inbound_messages": inbound}


def reference_decoy() -> str:
    """Return a case number like the next one, which no case has: the answer to a bot.

    A bot that filled the web form's hidden field must not tell from the page that it
    was caught, so it reads a number as a resident does (numbered as
    hotline.services.case_open numbers a case). Numbers count up and are no secret:
    one that a later case gets tells the bot nothing the sequence does not.
    """
    latest = Case.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    return f"RL-{latest + 1 + secrets.randbelow(DECOY_SPREAD):06d}"
