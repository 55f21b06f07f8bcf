from django.contrib import admin

from reliefline.places.models import Assignment, Place


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
