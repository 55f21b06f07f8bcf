from django.contrib import admin
from django.http import HttpRequest

from reliefline.access.models import ApiToken


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Tokens are issued by `reliefline token`; the admin only shows and revokes them."""

    list_display = ("user", "label", "digest_prefix", "created_at", "last_used_at", "revoked_at")
    list_filter = ("revoked_at",)
    search_fields = ("user__username", "label")
    fields = ("user", "label", "digest", "created_at", "last_used_at", "revoked_at")
    readonly_fields = ("user", "label", "digest", "created_at", "last_used_at")

    @admin.display(description="digest")
    def digest_prefix(self, token: ApiToken) -> str:
        return token.digest[:12] + "…"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
