"""The audit page's purposes and field names in the reader's language (see audit_labels).

`{{ entry.purpose|purpose_label }}` and `{{ entry.fields|field_labels }}`: what the
log recorded in English, as a Ukrainian or Russian reader reads it; anything unknown
stays as recorded.
"""

from collections.abc import Iterable

from django import template

from reliefline.access.audit_labels import field_label, purpose_label

register = template.Library()

register.filter("purpose_label", purpose_label)


@register.filter
def field_labels(names: Iterable[str]) -> str:
    """Return the field names' labels, ", "-joined."""
    return ", ".join(field_label(name) for name in names)
