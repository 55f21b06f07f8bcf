"""The audit log's purposes and field names, in the reader's language.

The log keeps a purpose and its field names as they were recorded, in English: the
hash chain covers them, and a search or an export must not depend on the language
of whoever was working at the time. A data protection officer in Sumy reads them in
the page's language instead:

- a fixed purpose ("case intake") is recorded through `gettext_noop`, so that its
  translation is in the catalogue and `purpose_label` finds it;
- a purpose with values in it ("referral of RL-000123 to Caritas") is recorded with
  a `Purpose` of this module, whose template is translated and whose values are kept;
- a field name is looked up in FIELD_LABELS.

Anything not known here (an entry written by an older release, a truncated one) is
shown exactly as recorded, never guessed at.
"""

import re
import string
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

# AuditEntry.purpose's max_length.
PURPOSE_MAX = 200


@dataclass(frozen=True)
class Purpose:
    """A purpose with values in it: the English template and, per value, its shape.

    `text(...)` is what the log records; `label(recorded)` is that text in the active
    language, or None when `recorded` was not made from this template.
    """

    template: str
    shapes: dict[str, str] = field(default_factory=dict)
    # Per value, how to show it in the reader's language (a status code, say).
    show: dict[str, Callable[[str], str]] = field(default_factory=dict)

    def text(self, **values: object) -> str:
        """Return the purpose to record, in English, cut to the column's length."""
        return self.template.format(**values)[:PURPOSE_MAX]

    @cached_property
    def _pattern(self) -> re.Pattern[str]:
        parts = []
        for literal, name, _spec, _conversion in string.Formatter().parse(self.template):
            parts.append(re.escape(literal))
            if name:
                parts.append(f"(?P<{name}>{self.shapes.get(name, '.+?')})")
        return re.compile("".join(parts) + r"\Z", re.DOTALL)

    def label(self, recorded: str) -> str | None:
        """Return the recorded purpose in the active language, or None if not ours."""
        found = self._pattern.match(recorded)
        if found is None:
            return None
        values = {
            name: self.show[name](value) if name in self.show else value
            for name, value in found.groupdict().items()
        }
        try:
            return gettext(self.template).format(**values)
        except (KeyError, IndexError, ValueError):  # a translation naming another value
            return None


REFERENCE = r"RL-\d+"

CASE_PERSON = Purpose(gettext_noop("case {case}"), {"case": REFERENCE})
DOWNLOAD = Purpose(gettext_noop("download {file} of {operation}"))


def _placement_status(code: str) -> str:
    # Imported here: only showing a label needs the evacuation app.
    from reliefline.evacuation.models import PlacementStatus

    return str(PlacementStatus(code).label) if code in PlacementStatus.values else code


FIELD_MOVE = Purpose(
    gettext_noop("field: {status}"), {"status": r"[a-z_]+"}, {"status": _placement_status}
)
IMPORT_DONE = Purpose(
    gettext_noop(
        "import {file} (done): {created} created, {updated} updated, {rejected} rejected, by {user}"
    ),
    {"created": r"\d+", "updated": r"\d+", "rejected": r"\d+"},
)
IMPORT_INTERRUPTED = Purpose(
    gettext_noop(
        "import {file} (interrupted): {created} created, {updated} updated,"
        " {rejected} rejected, by {user}"
    ),
    {"created": r"\d+", "updated": r"\d+", "rejected": r"\d+"},
)
MANIFEST = Purpose(gettext_noop("{kind} manifest for {recipient}"), {"kind": r"[a-z_]+"})
OPERATION_START = Purpose(gettext_noop("start {operation}, by {user}"))
OVERRIDE = Purpose(gettext_noop("double-dipping override: {breaches}"))
REFERRAL = Purpose(gettext_noop("referral of {case} to {organisation}"), {"case": REFERENCE})
REPLAY = Purpose(gettext_noop("answer replayed to a retried request: {path}"))
RETENTION = Purpose(gettext_noop("retention: closed before {date}"), {"date": r"\d{4}-\d{2}-\d{2}"})

PURPOSES = (
    CASE_PERSON,
    DOWNLOAD,
    FIELD_MOVE,
    IMPORT_DONE,
    IMPORT_INTERRUPTED,
    MANIFEST,
    OPERATION_START,
    OVERRIDE,
    REFERRAL,
    REPLAY,
    RETENTION,
)


def purpose_label(recorded: str) -> str:
    """Return a recorded purpose in the active language; unknown ones as recorded."""
    # Django's gettext turns "\r" into "\n" even in a text it does not know; no
    # purpose of ours has one.
    translated = recorded if "\r" in recorded else gettext(recorded)
    if translated != recorded:
        return translated
    for purpose in PURPOSES:
        label = purpose.label(recorded)
        if label is not None:
            return label
    return recorded


# Every field name the services record, by what it names. The keys are the log's.
FIELD_LABELS = {
    "address": _("address"),
    "aid received": _("aid received"),
    "answer": _("answer to the request"),
    "assignee": _("assignee"),
    "birth_date": _("birth date"),
    "callback": _("callback"),
    "caller.birth_date": _("caller's birth date"),
    "caller.name": _("caller's name"),
    "caller.phone": _("caller's phone"),
    "cases": _("cases"),
    "consent": _("consent"),
    "consent_at": _("consent date"),
    "consent_method": _("consent method"),
    "consent_recorded_by": _("consent recorded by"),
    "description": _("description"),
    "direction": _("direction"),
    "ends_on": _("end date"),
    "event.params": _("timeline details"),
    "event.text": _("timeline notes"),
    "everything": _("everything"),
    "external_id": _("external ID"),
    "family_name": _("family name"),
    "given_name": _("given name"),
    "household": _("household"),
    "household.birth_date": _("household's birth dates"),
    "household.names": _("household's names"),
    "household_id": _("household"),
    "household_size": _("household size"),
    "id": _("ID"),
    "items": _("items"),
    "language": _("language"),
    "legal_basis": _("legal basis"),
    "members": _("members"),
    "merged_into": _("merged into"),
    "message": _("message"),
    "mobility": _("mobility"),
    "name": _("name"),
    "names": _("names"),
    "need.item": _("needed items"),
    "need.note": _("need notes"),
    "needs": _("needs"),
    "needs_medic": _("needs a medic"),
    "note": _("notes"),
    "organisation": _("organisation"),
    "override_reason": _("override reason"),
    "patronymic": _("patronymic"),
    "phone": _("phone"),
    "placement": _("seat"),
    "placement.status": _("seat status"),
    "preferred_language": _("preferred language"),
    "reached": _("people reached"),
    "recipient_name": _("recipient's name"),
    "reference": _("reference"),
    "sector": _("sector"),
    "settlement": _("settlement"),
    "starts_on": _("start date"),
    "status": _("status"),
    "targeted": _("people targeted"),
    "timeline": _("timeline"),
    "vulnerabilities": _("vulnerabilities"),
}


def field_label(name: str) -> str:
    """Return a recorded field name in the active language; unknown ones as recorded."""
    label = FIELD_LABELS.get(name)
    return name if label is None else str(label)
