from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from reliefline.access.models import ApiToken, AuditEntry, AuditHead, AuditPerson


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Tokens are issued by `reliefline token`; the admin only shows and revokes them."""

    list_display = ("user", "label", "digest_prefix", "created_at", "last_used_at", "revoked_at")
    list_filter = ("revoked_at",)
    search_fields = ("user__username", "label")
    fields = ("user", "label", "digest", "created_at", "last_used_at", "revoked_at")
    readonly_fields = ("user", "label", "digest", "created_at", "last_used_at")

    @admin.display(description=_("digest"))
    def digest_prefix(self, token: ApiToken) -> str:
        return token.digest[:12] + "…"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """The audit chain is append-only: an edited or deleted row would break `audit verify`."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ("at", "username", "action", "record", "purpose", "address")
    list_filter = ("action",)
    search_fields = ("=username", "record", "purpose")
    date_hierarchy = "at"


@admin.register(AuditPerson)
class AuditPersonAdmin(ReadOnlyAdmin):
    list_display = ("entry", "person_id")
    search_fields = ("=person_id",)


@admin.register(AuditHead)
class AuditHeadAdmin(ReadOnlyAdmin):
    list_display = ("id", "last_hash")
