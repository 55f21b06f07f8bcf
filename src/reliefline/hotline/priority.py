"""Case priority: one documented function of needs, vulnerabilities and waiting time.

The score is a sum of points, capped at 100, and every point comes with a reason the
operator sees. The band sets the service level: how soon someone must act.

- each need type, once: medical care 30, protection 30, medicine 25, evacuation 20,
  water 20, shelter 15, food 12, tracing 10, information 0;
- a critical item with no supply (insulin, oxygen, dialysis): +40;
- each vulnerability: unaccompanied child 35, bedridden 25, wheelchair 20, infant
  under 2 20, pregnant 20, disability 15, 75 or older 15, chronic illness 10, child
  under 5 10;
- waiting: +1 per 2 hours, at most +20.

Bands: critical from 70 (act within 1 hour), high from 45 (4 hours), medium from 20
(24 hours), low below (72 hours).
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TypedDict

from django.utils.translation import gettext as _

from reliefline.hotline.models import Band, NeedType, Vulnerability

NEED_POINTS = {
    NeedType.MEDICAL_CARE: 30,
    NeedType.PROTECTION: 30,
    NeedType.MEDICINE: 25,
    NeedType.EVACUATION: 20,
    NeedType.WATER: 20,
    NeedType.SHELTER: 15,
    NeedType.FOOD: 12,
    NeedType.TRACING: 10,
    NeedType.INFORMATION: 0,
}
VULNERABILITY_POINTS = {
    Vulnerability.UNACCOMPANIED_CHILD: 35,
    Vulnerability.BEDRIDDEN: 25,
    Vulnerability.WHEELCHAIR: 20,
    Vulnerability.INFANT_UNDER_2: 20,
    Vulnerability.PREGNANT: 20,
    Vulnerability.DISABILITY: 15,
    Vulnerability.ELDERLY_75_PLUS: 15,
    Vulnerability.CHRONIC_ILLNESS: 10,
    Vulnerability.CHILD_UNDER_5: 10,
}
# Interrupting these kills within days: a request for them outranks almost anything.
CRITICAL_ITEMS = {
    "insulin": ("insulin", "инсулин", "інсулін"),
    "oxygen": ("oxygen", "кислород", "кисень"),
    "dialysis": ("dialysis", "диализ", "діаліз"),
}
CRITICAL_ITEM_POINTS = 40
WAITING_HOURS_PER_POINT = 2
WAITING_MAX_POINTS = 20
BAND_FLOORS = ((Band.CRITICAL, 70), (Band.HIGH, 45), (Band.MEDIUM, 20), (Band.LOW, 0))
SLA = {
    Band.CRITICAL: dt.timedelta(hours=1),
    Band.HIGH: dt.timedelta(hours=4),
    Band.MEDIUM: dt.timedelta(hours=24),
    Band.LOW: dt.timedelta(hours=72),
}


class Reason(TypedDict):
    code: str
    points: int


@dataclass(frozen=True)
class NeedFacts:
    type: str
    item: str = ""
    note: str = ""


@dataclass(frozen=True)
class Priority:
    score: int
    band: Band
    reasons: list[Reason] = field(default_factory=list)


def critical_item(need: NeedFacts) -> str | None:
    """Return the critical item a need asks for (e.g. "insulin"), if any."""
    text = f"{need.item} {need.note}".lower()
    for name, words in CRITICAL_ITEMS.items():
        if any(word in text for word in words):
            return name
    return None


def band_for(score: int) -> Band:
    return next(band for band, floor in BAND_FLOORS if score >= floor)


def compute(
    needs: Iterable[NeedFacts], vulnerabilities: Iterable[str], waiting: dt.timedelta
) -> Priority:
    """Return the priority of a case with these needs and vulnerabilities after `waiting`."""
    reasons: list[Reason] = []
    needs = list(needs)
    for need_type in sorted({need.type for need in needs}, key=lambda t: -NEED_POINTS[NeedType(t)]):
        reasons.append({"code": f"need:{need_type}", "points": NEED_POINTS[NeedType(need_type)]})
    for item in sorted({item for need in needs if (item := critical_item(need))}):
        reasons.append({"code": f"critical:{item}", "points": CRITICAL_ITEM_POINTS})
    for vulnerability in sorted(
        set(vulnerabilities), key=lambda v: -VULNERABILITY_POINTS[Vulnerability(v)]
    ):
        reasons.append(
            {
                "code": f"vulnerability:{vulnerability}",
                "points": VULNERABILITY_POINTS[Vulnerability(vulnerability)],
            }
        )
    hours = max(0, int(waiting.total_seconds() // 3600))
    waiting_points = min(WAITING_MAX_POINTS, hours // WAITING_HOURS_PER_POINT)
    if waiting_points:
        reasons.append({"code": f"waiting:{hours}", "points": waiting_points})
    reasons = [reason for reason in reasons if reason["points"]]
    score = min(100, sum(reason["points"] for reason in reasons))
    return Priority(score=score, band=band_for(score), reasons=reasons)


def reason_text(reason: Reason) -> str:
    """Return a reason as the operator reads it, in the active language: "Insulin …: +40"."""
    kind, _sep, value = reason["code"].partition(":")
    if kind == "need":
        label = _("needs %(need)s") % {"need": NeedType(value).label}
    elif kind == "critical":
        label = {
            "insulin": _("insulin-dependent, no supply"),
            "oxygen": _("needs oxygen, no supply"),
            "dialysis": _("needs dialysis"),
        }[value]
    elif kind == "vulnerability":
        label = str(Vulnerability(value).label)
    else:
        label = _("waiting %(hours)s h") % {"hours": value}
    return f"{label}: +{reason['points']}"
