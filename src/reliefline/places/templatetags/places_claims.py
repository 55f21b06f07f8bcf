"""{% claim_from_case case %}: the case page's form that turns a report into a claim."""

from collections.abc import Iterable
from typing import Any

from django import template

from reliefline.places.claims import NEED_REPORTS
from reliefline.places.models import ATTRIBUTE_VALUES, Attribute

register = template.Library()


def report_choices() -> list[tuple[str, str]]:
    """Return "attribute:value" pairs with their labels, every attribute but control
    (a resident reports what they see, not who holds the settlement)."""
    return [
        (f"{attribute}:{value}", f"{Attribute(attribute).label}: {label}")
        for attribute, values in ATTRIBUTE_VALUES.items()
        if attribute != Attribute.CONTROL
        for value, label in values.items()
    ]


def suggested_reports(needs: Iterable[str]) -> set[str]:
    """Return the "attribute:value" reports that the case's needs suggest."""
    reports = (NEED_REPORTS[need] for need in needs if need in NEED_REPORTS)
    return {f"{attribute}:{value}" for attribute, value in reports}


@register.inclusion_tag("places/_claim_from_case.html", takes_context=True)
def claim_from_case(context: dict[str, Any], case: Any) -> dict[str, Any]:
    """Return the form's context; nothing shows without a settlement or the permission.

    Nothing is preselected: "access open" or "no water" must never be recorded because
    the operator pressed the button without choosing. What the needs suggest is listed
    first, under its own heading, and still has to be chosen.
    """
    user = context["request"].user
    choices = report_choices()
    suggested = suggested_reports(need.type for need in case.needs.all())
    return {
        # A purged case takes no more writes (hotline.services._writable).
        "show": case.settlement_id is not None
        and case.purged_at is None
        and user.has_perm("places.add_claim"),
        "case": case,
        "suggested": [choice for choice in choices if choice[0] in suggested],
        "others": [choice for choice in choices if choice[0] not in suggested],
        "csrf_token": context.get("csrf_token"),
    }
