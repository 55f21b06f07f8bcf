"""The admin site, closed to staff who have not presented their second factor."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import urlencode

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
