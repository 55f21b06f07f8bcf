"""Codes the partner pages show (need types, vulnerabilities, shared fields), as labels.

A partner reads "Bedridden, Uses a wheelchair" or "Лежачий", never `bedridden,
wheelchair`: `{{ codes|labels:"vulnerability" }}` joins the labels of a list of codes
in the active language, and gives a single code's label; an unknown code stays as it is.
"""

from collections.abc import Iterable

from django import template
from django.db import models

from reliefline.hotline.models import NeedType, Vulnerability
from reliefline.partners.models import Category, ReferralStatus, SharedField
from reliefline.people.models import Language

register = template.Library()

KINDS: dict[str, type[models.TextChoices]] = {
    "category": Category,
    "field": SharedField,
    "language": Language,
    "need": NeedType,
    "referral": ReferralStatus,
    "vulnerability": Vulnerability,
}


@register.filter
def labels(codes: Iterable[str] | str | None, kind: str) -> str:
    """Return the labels of the codes, ", "-joined; "" for none."""
    choices = KINDS[kind]
    names = dict(choices.choices)
    values = [codes] if isinstance(codes, str) else list(codes or ())
    return ", ".join(str(names.get(code, code)) for code in values if code)
