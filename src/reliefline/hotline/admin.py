from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from reliefline.access.admin_site import AuditedAdmin
from reliefline.hotline.models import Case, CaseEvent, Need
from reliefline.hotline.services import CASE_FIELDS


class NeedInline(admin.TabularInline):  # type: ignore[type-arg]
    model = Need
    extra = 0
    fields = ("type", "item", "quantity", "note", "fulfilled_at")


class CaseEventInline(admin.TabularInline):  # type: ignore[type-arg]
    """The timeline is append-only: shown here, written only through hotline.services."""

    model = CaseEvent
    extra = 0
    can_delete = False
    fields = ("at", "kind", "from_status", "to_status", "outcome", "shown_text", "due_at", "by")
    readonly_fields = fields

    @admin.display(description=_("Text"))
    def shown_text(self, obj: CaseEvent) -> str:
        return obj.display_text

    def has_add_permission(self, request: HttpRequest, obj: Case | None = None) -> bool:
        return False


@admin.register(Case)
class CaseAdmin(AuditedAdmin):
    """Cases are opened and moved through the workflow by the console and the API."""

    audit_fields = CASE_FIELDS

    def audit_person_ids(self, obj: Case) -> list[int]:
        return [obj.caller_id] if obj.caller_id else []

    list_display = (
        "reference",
        "status",
        "band",
        "priority",
        "settlement",
        "channel",
        "language",
        "assignee",
        "created_at",
        "due_at",
    )
    list_filter = ("status", "band", "channel", "language")
    list_select_related = ("settlement", "assignee")
    search_fields = ("reference",)
    autocomplete_fields = ("caller", "household", "settlement", "assignee")
    readonly_fields = (
        "reference",
        "status",
        "priority",
        "band",
        "priority_reasons",
        "due_at",
        "created_by",
        "created_at",
        "updated_at",
    )
    inlines = (NeedInline, CaseEventInline)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
