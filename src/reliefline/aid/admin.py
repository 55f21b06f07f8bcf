"""Admin for the aid catalogue, standards and rules; the ledger is read-only here.

Stock changes only through the services (receipt, transfer, loss, adjustment,
reversal), so the admin never adds, changes or deletes movements or balances. Nor
refused distributions: they are settled on the aid pages (aid.services.refusals),
where a write-off books its loss in the ledger.
"""

from collections.abc import Sequence
from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from reliefline.access.admin_site import AuditedAdmin
from reliefline.aid.models import (
    Balance,
    DistributionRefusal,
    DistributionRule,
    Item,
    KitLine,
    Movement,
    Plan,
    RefusalLine,
    Standard,
    Warehouse,
)
from reliefline.people.models import Person


@admin.register(Item)
class ItemAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = (
        "code",
        "name_en",
        "name_uk",
        "name_ru",
        "unit",
        "kind",
        "litres_per_unit",
        "kcal_per_unit",
    )
    list_filter = ("kind", "unit")
    search_fields = ("code", "name_en", "name_uk", "name_ru")


@admin.register(Warehouse)
class WarehouseAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("code", "name", "settlement", "mobile")
    list_filter = ("mobile",)
    search_fields = ("code", "name")
    autocomplete_fields = ("settlement",)


class KitLineInline(admin.TabularInline):  # type: ignore[type-arg]
    model = KitLine
    extra = 1
    autocomplete_fields = ("item",)


@admin.register(Standard)
class StandardAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("code", "name", "kind", "per_person_per_day", "measure", "source")
    inlines = (KitLineInline,)


@admin.register(DistributionRule)
class DistributionRuleAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("kind", "max_per_period", "period_days", "min_interval_days")


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("settlement", "starts_on", "days", "population", "created_by")
    autocomplete_fields = ("settlement",)
    readonly_fields = ("created_by",)


class ReadOnly(admin.ModelAdmin):  # type: ignore[type-arg]
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Movement)
class MovementAdmin(ReadOnly):
    list_display = ("id", "at", "kind", "warehouse", "item", "lot", "quantity", "reference", "by")
    list_filter = ("kind", "warehouse")
    list_select_related = ("warehouse", "item", "by")
    search_fields = ("reference", "item__code")


@admin.register(Balance)
class BalanceAdmin(ReadOnly):
    list_display = ("warehouse", "item", "lot", "expiry", "quantity")
    list_filter = ("warehouse",)
    list_select_related = ("warehouse", "item")


class RefusalLineInline(admin.TabularInline):  # type: ignore[type-arg]
    model = RefusalLine
    fields = ("item", "quantity")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(DistributionRefusal)
class DistributionRefusalAdmin(ReadOnly, AuditedAdmin):
    """Refusals name a household and may tell of it: every view is audited, none is changed."""

    audit_fields = ("household", "items", "reasons", "note")
    audit_columns = {"household": "household"}
    list_display = ("__str__", "household", "warehouse", "handed_out_at", "by", "status")
    list_filter = ("status", "settlement", "warehouse")
    list_select_related = ("household", "warehouse", "by")
    exclude = ("write_off",)
    readonly_fields = (
        "household",
        "warehouse",
        "handed_out_at",
        "by",
        "reasons",
        "confirmation_code",
        "status",
        "settlement",
        "settled_by",
        "settled_at",
        "distribution",
        "note",
    )
    inlines = (RefusalLineInline,)

    def audit_person_ids(self, obj: DistributionRefusal) -> list[int]:
        return list(obj.household.members.values_list("pk", flat=True))

    def audit_page_person_ids(self, objects: Sequence[Any]) -> list[int]:
        households = {obj.household_id for obj in objects}
        return list(Person.objects.filter(household__in=households).values_list("pk", flat=True))
