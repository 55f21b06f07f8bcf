"""Admin pages: notice templates, Kobo form mappings, and the records.

Coordinators edit the notice templates on their own page (views.notice_templates).

Notices and inbound messages are written only by the services: shown read-only here.
"""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from reliefline.access.admin_site import AuditedAdmin, person_reference
from reliefline.channels.forms import NoticeTemplateForm
from reliefline.channels.models import (
    Broadcast,
    Contact,
    InboundMessage,
    KoboMapping,
    Notice,
    NoticeTemplate,
)
from reliefline.channels.services import PLACEHOLDERS


@admin.register(NoticeTemplate)
class NoticeTemplateAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """The words residents get, as the coordinators' page edits them; placeholders are checked on save."""

    form = NoticeTemplateForm
    list_display = ("kind", "language", "body", "updated_at", "updated_by")
    list_filter = ("kind", "language")
    readonly_fields = ("placeholders", "updated_at", "updated_by")

    @admin.display(description="placeholders")
    def placeholders(self, obj: NoticeTemplate) -> str:
        return ", ".join("{" + name + "}" for name in PLACEHOLDERS.get(obj.kind, ()))

    def save_model(
        self, request: HttpRequest, obj: NoticeTemplate, form: Any, change: bool
    ) -> None:
        obj.updated_by = request.user  # type: ignore[assignment]
        super().save_model(request, obj, form, change)


@admin.register(KoboMapping)
class KoboMappingAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("form_id", "name")
    search_fields = ("form_id", "name")


class ReadOnly(AuditedAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class PersonRecord(ReadOnly):
    """A record of one person's, naming them by id with a link to the person's page."""

    readonly_fields = ("person_ref",)

    def audit_person_ids(self, obj: Any) -> list[int]:
        return [obj.person_id] if obj.person_id else []

    @admin.display(description=_("person"))
    def person_ref(self, obj: Any) -> str:
        return person_reference(obj.person_id)


@admin.register(Notice)
class NoticeAdmin(PersonRecord):
    audit_fields = ("body",)
    list_display = ("pk", "kind", "language", "medium", "status", "attempts", "created_at")
    list_filter = ("kind", "language", "medium", "status")
    exclude = ("address", "person")


@admin.register(InboundMessage)
class InboundMessageAdmin(PersonRecord):
    # What the text understanding found is shown as `detected`.
    audit_fields = ("language", "needs", "items", "vulnerabilities", "settlement")
    list_display = ("sender", "external_id", "case", "language", "opened_case", "received_at")
    list_filter = ("sender", "language", "opened_case")
    exclude = ("person",)


@admin.register(Contact)
class ContactAdmin(PersonRecord):
    audit_fields = ("language",)
    list_display = ("pk", "medium", "language", "last_inbound_at")
    exclude = ("address", "person")


@admin.register(Broadcast)
class BroadcastAdmin(ReadOnly):
    list_display = ("pk", "kind", "status", "recipients", "created_by", "created_at")
    list_filter = ("kind", "status")
