"""The admin: read-mostly views of the evacuation; every write goes through the services."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from reliefline.access.admin_site import AuditedAdmin, person_reference
from reliefline.evacuation.models import (
    AllocationRun,
    Convoy,
    Corridor,
    CorridorEvent,
    CorridorParty,
    CorridorStop,
    CorridorWindow,
    EvacuationRequest,
    ManifestIssue,
    Placement,
    RequestMember,
    Vehicle,
)


class ReadOnlyInline(admin.TabularInline):  # type: ignore[type-arg]
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class StopInline(ReadOnlyInline):
    model = CorridorStop


class WindowInline(ReadOnlyInline):
    model = CorridorWindow


class PartyInline(ReadOnlyInline):
    model = CorridorParty


class EventInline(ReadOnlyInline):
    model = CorridorEvent


@admin.register(Corridor)
class CorridorAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Corridors change status only through evacuation.services, so the timeline stays whole."""

    list_display = ("name", "direction", "status", "created_at")
    list_filter = ("direction", "status")
    # The direction is checked against the reception point's country, and requests and
    # placements were made for it, so it is fixed once proposed; a corridor is proposed
    # with its stops and windows through the services, never added here.
    readonly_fields = ("direction", "status", "created_by", "created_at")
    inlines = (StopInline, WindowInline, PartyInline, EventInline)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


class VehicleInline(ReadOnlyInline):
    model = Vehicle


@admin.register(Convoy)
class ConvoyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name", "departure_at", "assembly_point", "locked_at")
    readonly_fields = ("locked_at", "locked_by", "created_at")
    inlines = (VehicleInline,)


class MemberInline(ReadOnlyInline):
    model = RequestMember


@admin.register(EvacuationRequest)
class EvacuationRequestAdmin(AuditedAdmin):
    """Requests name people and their mobility: every change page viewed is audited."""

    audit_fields = ("members", "mobility", "needs_medic", "consent")
    list_display = ("__str__", "case", "direction", "priority", "status", "requested_at")
    list_filter = ("direction", "status")
    readonly_fields = ("case", "household", "priority", "requested_at", "status", "created_by")
    inlines = (MemberInline,)

    def audit_person_ids(self, obj: EvacuationRequest) -> list[int]:
        return list(obj.members.values_list("person_id", flat=True))


@admin.register(Placement)
class PlacementAdmin(AuditedAdmin):
    audit_fields = ("placement",)
    list_display = ("code", "vehicle", "kind", "number", "status")
    list_filter = ("status", "kind")
    # The passenger by id, linking to their page: the manifest work is not done here.
    exclude = ("person",)
    readonly_fields = ("vehicle", "member", "person_ref", "kind", "number", "status", "code")

    def audit_person_ids(self, obj: Placement) -> list[int]:
        return [obj.person_id]

    @admin.display(description=_("person"))
    def person_ref(self, obj: Placement) -> str:
        return person_reference(obj.person_id)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(AllocationRun)
class AllocationRunAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("convoy", "at", "status", "allocated", "objective", "bound", "seconds")
    readonly_fields = (
        "convoy",
        "by",
        "status",
        "allocated",
        "objective",
        "bound",
        "seconds",
        "left_out",
    )


@admin.register(ManifestIssue)
class ManifestIssueAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """The record of manifests handed out: append-only."""

    list_display = (
        "vehicle",
        "kind",
        "language",
        "recipient",
        "passengers",
        "issued_by",
        "issued_at",
    )
    list_filter = ("kind", "language")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
