"""The admin site, closed to staff who have not presented their second factor."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_noop

from reliefline.access.audit import audit_record
from reliefline.access.models import AuditAction
from reliefline.access.roles import needs_second_factor


class ReliefAdminSite(admin.AdminSite):
    def has_permission(self, request: HttpRequest) -> bool:
        return super().has_permission(request) and not needs_second_factor(request.user)

    def login(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        if needs_second_factor(request.user):
            target = request.GET.get("next", reverse("admin:index"))
            return HttpResponseRedirect(
                f"{reverse('access:two_factor')}?{urlencode({'next': target})}"
            )
        return super().login(request, extra_context)


class AuditedAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """A model admin whose pages of personal data leave an audit entry for every view."""

    audit_fields: tuple[str, ...] = ()

    def audit_person_ids(self, obj: Any) -> list[int]:
        """Return the persons whose data the change page of `obj` shows."""
        return []

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        response = super().change_view(request, object_id, form_url, extra_context)
        obj = self.get_object(request, object_id)
        if obj is not None and response.status_code == 200:
            audit_record(
                user=request.user,
                action=AuditAction.READ,
                record=f"{self.model._meta.label_lower}:{obj.pk}",
                purpose=gettext_noop("admin"),
                person_ids=self.audit_person_ids(obj),
                fields=self.audit_fields,
                request=request,
            )
        return response
