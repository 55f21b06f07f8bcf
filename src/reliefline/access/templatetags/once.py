"""`{% idempotency_field %}`: a form sent twice records once (access.idempotency)."""

import uuid

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from reliefline.access.idempotency import FORM_FIELD

register = template.Library()


@register.simple_tag
def idempotency_field() -> SafeString:
    """Return a hidden input with a new key: each rendering of the form gets its own."""
    return format_html('<input type="hidden" name="{}" value="{}">', FORM_FIELD, uuid.uuid4())
