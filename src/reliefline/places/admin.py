from django.contrib import admin
from django.http import HttpRequest

from reliefline.places.models import Assignment, Claim, Place, Source


@admin.register(Place)
class PlaceAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name_en", "name_ru", "name_uk", "country", "oblast", "district", "population")
    list_filter = ("country", "oblast", "kind")
    search_fields = ("id", "name_ru", "name_uk", "name_en", "search_key")
    readonly_fields = ("search_key",)


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("user", "place", "created_at")
    list_select_related = ("user", "place")
    search_fields = ("user__username", "place__name_en", "place__name_ru", "place__name_uk")
    autocomplete_fields = ("place",)


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name", "kind", "url")
    list_filter = ("kind",)
    search_fields = ("name",)


@admin.register(Claim)
class ClaimAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Claims are append-only: the admin shows them and never changes one."""

    list_display = ("source", "attribute", "value", "stated_at", "refers_to", "confidence")
    list_filter = ("attribute", "source__kind", "source")
    list_select_related = ("source",)
    date_hierarchy = "stated_at"

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
