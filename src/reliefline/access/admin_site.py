"""The admin site, closed to staff who have not presented their second factor.

Every admin page that shows personal data leaves an audit entry, as the rest of the
system does: change pages, pages of a list, searches, autocomplete answers, delete
confirmations and change histories (docs/data-protection.md, *What is logged*).
"""

import json
from collections.abc import Iterable, Sequence
from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin import helpers
from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.contrib.admin.options import get_content_type_for_model
from django.contrib.admin.views.autocomplete import AutocompleteJsonView
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.safestring import SafeString
from django.utils.translation import gettext, gettext_noop

from reliefline.access.audit import audit_record
from reliefline.access.models import AuditAction
from reliefline.access.roles import needs_second_factor

ADMIN_PURPOSE = gettext_noop("admin")


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

    def autocomplete_view(self, request: HttpRequest) -> HttpResponse:
        response = AuditedAutocompleteJsonView.as_view(admin_site=self)(request)
        assert isinstance(response, HttpResponse)  # a JsonResponse, or an exception raised
        return response


class AuditedAutocompleteJsonView(AutocompleteJsonView):
    """The answer of an autocomplete box, audited by the model admin whose objects it lists.

    The labels of some models are persons' names (the caller box of a case), and the
    term of others is matched against them (a household found by a member's name).
    """

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.shown: list[Model] = []
        response = super().get(request, *args, **kwargs)
        if isinstance(self.model_admin, AuditedAdmin):
            self.model_admin.audit_autocomplete(request, self.shown, term=self.term)
        return response

    def serialize_result(self, obj: Model, to_field_name: str) -> dict[str, Any]:
        self.shown.append(obj)
        return super().serialize_result(obj, to_field_name)  # type: ignore[misc,no-any-return]


def person_reference(person_id: int | None) -> str:
    """Return a link to a person's change page showing their id, never their name.

    A page that only points at a person names them by id; their name is on the
    person's own page, which records who opened it.
    """
    if person_id is None:
        return "-"
    url = reverse("admin:people_person_change", args=[person_id])
    shown: SafeString = format_html('<a href="{}">P-{}</a>', url, person_id)
    return shown


class AuditedAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """A model admin whose pages of personal data leave an audit entry for every view.

    - The change page records `audit_fields` of `audit_person_ids(obj)`.
    - A page of the list records the fields of the columns it shows that are in
      `audit_columns` (column: field), for the persons `audit_page_person_ids` names.
    - An object's label (its `str`) shows `audit_label_fields`: recorded by the
      autocomplete answer, the delete confirmation and the change history, and kept out
      of the admin's own history (django_admin_log), which no purge reaches.
    - A search through `audit_search_fields` (a list's or an autocomplete's) is
      recorded even when nothing matched; what was searched for never is, as the
      identity match does not record its query.
    """

    audit_fields: tuple[str, ...] = ()
    audit_columns: dict[str, str] = {}
    audit_label_fields: tuple[str, ...] = ()
    audit_search_fields: tuple[str, ...] = ()

    def audit_person_ids(self, obj: Any) -> list[int]:
        """Return the persons whose data the change page of `obj` shows."""
        return []

    def audit_page_person_ids(self, objects: Sequence[Any]) -> list[int]:
        """Return the persons a page listing `objects` names (override to query once)."""
        return [pid for obj in objects for pid in self.audit_person_ids(obj)]

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
            self._audit_object(request, obj, fields=self.audit_fields)
        return response

    def history_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        response = super().history_view(request, object_id, extra_context)
        obj = self.get_object(request, object_id)
        if obj is not None and response.status_code == 200 and self.audit_label_fields:
            self._audit_object(request, obj, fields=self.audit_label_fields)
        return response

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        response = super().changelist_view(request, extra_context)
        context = getattr(response, "context_data", None) or {}
        changelist = context.get("cl")
        if isinstance(response, TemplateResponse) and changelist is not None:
            shown = [
                self.audit_columns[c] for c in changelist.list_display if c in self.audit_columns
            ]
            self._audit_page(
                request,
                list(changelist.result_list),  # the page's queryset, evaluated once for both
                fields=shown,
                search=bool(changelist.query.strip()),
            )
        return response

    def audit_autocomplete(
        self, request: HttpRequest, objects: Sequence[Any], *, term: str
    ) -> None:
        """Record an autocomplete answer listing `objects` for the typed `term`."""
        self._audit_page(
            request,
            objects,
            fields=self.audit_label_fields,
            search=bool(term.strip()),
            kind="autocomplete",
        )

    def get_deleted_objects(
        self, objs: Sequence[Any] | QuerySet[Any], request: HttpRequest
    ) -> tuple[list[Any], dict[str, int], set[str], list[Any]]:
        # The confirmation (of one object or of the "delete selected" action) lists the
        # objects' labels, and the message after the deletion repeats them.
        found = super().get_deleted_objects(objs, request)
        self._audit_page(request, list(objs), fields=self.audit_label_fields, search=False)
        return found

    def _audit_object(self, request: HttpRequest, obj: Any, *, fields: Iterable[str]) -> None:
        audit_record(
            user=request.user,
            action=AuditAction.READ,
            record=f"{self.model._meta.label_lower}:{obj.pk}",
            purpose=ADMIN_PURPOSE,
            person_ids=self.audit_person_ids(obj),
            fields=fields,
            request=request,
        )

    def _audit_page(
        self,
        request: HttpRequest,
        objects: Sequence[Any],
        *,
        fields: Sequence[str],
        search: bool,
        kind: str = "",
    ) -> None:
        """Record one entry for a page of `objects` showing `fields`, or for a search.

        A search through personal fields is recorded even when it found nobody; a page
        showing nothing personal is not.
        """
        search = search and bool(self.audit_search_fields)
        if not search and not (objects and fields):
            return
        label = self.model._meta.label_lower
        if kind or search:
            record = f"{label}:{kind or 'search'}"
        else:
            keys = ",".join(str(obj.pk) for obj in objects[:3])
            record = f"{label}:{keys}{f'+{len(objects) - 3}' if len(objects) > 3 else ''}"
        audit_record(
            user=request.user,
            action=AuditAction.READ if len(objects) == 1 and not search else AuditAction.SEARCH,
            record=record,
            purpose=ADMIN_PURPOSE,
            person_ids=self.audit_page_person_ids(objects) if objects else [],
            fields=[*fields, *(self.audit_search_fields if search else ())],
            request=request,
        )

    def action_checkbox(self, obj: Any) -> SafeString:
        if not self.audit_label_fields:
            return super().action_checkbox(obj)
        # Django names each row's box by the object's label, on a page that shows none.
        label = f"{self.model._meta.verbose_name} {obj.pk}"
        attrs = {
            "class": "action-select",
            "aria-label": format_html(gettext("Select this object for an action - {}"), label),
        }
        checkbox = forms.CheckboxInput(attrs, lambda value: False)
        return checkbox.render(helpers.ACTION_CHECKBOX_NAME, str(obj.pk))

    # A label that shows personal data stays out of the admin's own history: it keeps
    # object names forever, beyond the retention purge, and the index page's "Recent
    # actions" shows them unaudited. Such objects are named there as in the audit log.

    # Django calls these once a save or a deletion went through: where the audit log
    # records the write too, with the fields the admin's own message says changed.

    def log_addition(self, request: HttpRequest, obj: Any, message: Any) -> LogEntry:
        self._audit_write(request, [obj], AuditAction.CREATE, message)
        if not self.audit_label_fields:
            return super().log_addition(request, obj, message)
        return self._log(request, [obj], ADDITION, message)[0]

    def log_change(self, request: HttpRequest, obj: Any, message: Any) -> LogEntry:
        self._audit_write(request, [obj], AuditAction.UPDATE, message)
        if not self.audit_label_fields:
            return super().log_change(request, obj, message)
        return self._log(request, [obj], CHANGE, message)[0]

    def log_deletions(self, request: HttpRequest, queryset: Any) -> Any:
        objects = list(queryset)
        self._audit_write(request, objects, AuditAction.DELETE, "")
        if not self.audit_label_fields:
            return super().log_deletions(request, queryset)
        return self._log(request, objects, DELETION, "")

    def _audit_write(
        self, request: HttpRequest, objects: Sequence[Any], action: AuditAction, message: Any
    ) -> None:
        """Record an admin's write of the personal data of `objects`, one entry each."""
        fields = _changed_fields(message) or list(self.audit_fields)
        for obj in objects:
            person_ids = self.audit_person_ids(obj)
            if not person_ids:
                continue
            audit_record(
                user=request.user,
                action=action,
                record=f"{self.model._meta.label_lower}:{obj.pk}",
                purpose=ADMIN_PURPOSE,
                person_ids=person_ids,
                fields=fields,
                request=request,
            )

    def _log(
        self, request: HttpRequest, objects: Sequence[Any], flag: int, message: Any
    ) -> list[LogEntry]:
        assert request.user.pk is not None  # the admin is for signed-in staff only
        content_type = get_content_type_for_model(self.model)
        change_message = json.dumps(message) if isinstance(message, list) else message
        entries = [
            LogEntry(
                user_id=request.user.pk,
                content_type_id=content_type.pk,
                object_id=str(obj.pk),
                object_repr=f"{self.model._meta.label_lower}:{obj.pk}",
                action_flag=flag,
                change_message=change_message,
            )
            for obj in objects
        ]
        for entry in entries:
            entry.save()
        return entries


def _changed_fields(message: Any) -> list[str]:
    """Return the field names Django's change message lists (its JSON list of dicts).

    `[{"changed": {"fields": ["Family name"]}}]` names the fields by their verbose
    names; an addition or a deletion names none.
    """
    fields: list[str] = []
    for part in message if isinstance(message, list) else []:
        for detail in part.values() if isinstance(part, dict) else []:
            if isinstance(detail, dict):
                fields.extend(str(name) for name in detail.get("fields", ()))
    return fields
