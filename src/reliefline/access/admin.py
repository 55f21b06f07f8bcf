from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from reliefline.access.models import (
    ApiToken,
    AuditEntry,
    AuditHead,
    AuditPerson,
    IdempotentRequest,
    Operation,
    OperationFile,
)


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


class OperationFileInline(admin.TabularInline):  # type: ignore[type-arg]
    """The files' names and sizes only: their content is personal data, downloaded
    (and audited) from the operation's page."""

    model = OperationFile
    fields = ("name", "size", "created_at")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Operation)
class OperationAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Long operations are started from their pages or commands; the admin shows them
    and may delete an old one (with its files)."""

    list_display = ("id", "kind", "status", "stage", "done", "total", "started_by", "created_at")
    list_filter = ("kind", "status")
    search_fields = ("=id", "kind", "message", "started_by__username")
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in Operation._meta.fields]
    inlines = [OperationFileInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(IdempotentRequest)
class IdempotentRequestAdmin(ReadOnlyAdmin):
    """Answers kept a day for retried writes; never their body, which may name people."""

    list_display = ("created_at", "user", "key", "status", "answer_dropped")
    search_fields = ("=key", "user__username")
    fields = ("user", "key", "fingerprint", "status", "headers", "answer_dropped", "created_at")
    date_hierarchy = "created_at"
