"""Admin pages: notice templates coordinators edit, Kobo form mappings, and the records.

Notices and inbound messages are written only by the services: shown read-only here.
"""

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from reliefline.access.admin_site import AuditedAdmin
from reliefline.channels.models import (
    Broadcast,
    Contact,
    InboundMessage,
    KoboMapping,
    Notice,
    NoticeTemplate,
)
from reliefline.channels.services import PLACEHOLDERS, template_check
from reliefline.errors import InvalidInput


class NoticeTemplateForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = NoticeTemplate
        fields = ("kind", "language", "body")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        try:
            template_check(kind=data.get("kind", ""), body=data.get("body", ""))
        except InvalidInput as error:
            raise ValidationError({"body": error.message}) from error
        return data


@admin.register(NoticeTemplate)
class NoticeTemplateAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Coordinators edit the words residents get; placeholders are checked on save."""

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


@admin.register(Notice)
class NoticeAdmin(ReadOnly):
    audit_fields = ("address", "body")
    list_display = ("pk", "kind", "language", "medium", "status", "attempts", "created_at")
    list_filter = ("kind", "language", "medium", "status")
    exclude = ("address",)

    def audit_person_ids(self, obj: Notice) -> list[int]:
        return [obj.person_id]


@admin.register(InboundMessage)
class InboundMessageAdmin(ReadOnly):
    list_display = ("sender", "external_id", "case", "language", "opened_case", "received_at")
    list_filter = ("sender", "language", "opened_case")


@admin.register(Contact)
class ContactAdmin(ReadOnly):
    audit_fields = ("address",)
    list_display = ("pk", "medium", "language", "last_inbound_at")
    exclude = ("address",)

    def audit_person_ids(self, obj: Contact) -> list[int]:
        return [obj.person_id]


@admin.register(Broadcast)
class BroadcastAdmin(ReadOnly):
    list_display = ("pk", "kind", "status", "recipients", "created_by", "created_at")
    list_filter = ("kind", "status")
