"""{% claim_from_case case %}: the case page's form that turns a report into a claim."""

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


@register.inclusion_tag("places/_claim_from_case.html", takes_context=True)
def claim_from_case(context: dict[str, Any], case: Any) -> dict[str, Any]:
    """Return the form's context; nothing shows without a settlement or the permission."""
    user = context["request"].user
    needs = [need.type for need in case.needs.all()]
    default = next((NEED_REPORTS[n] for n in needs if n in NEED_REPORTS), None)
    return {
        "show": case.settlement_id is not None and user.has_perm("places.add_claim"),
        "case": case,
        "choices": report_choices(),
        "selected": f"{default[0]}:{default[1]}" if default else "",
        "csrf_token": context.get("csrf_token"),
    }
