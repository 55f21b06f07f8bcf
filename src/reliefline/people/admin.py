from collections.abc import Sequence
from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin.views.main import SEARCH_VAR
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from reliefline.access.admin import ReadOnlyAdmin
from reliefline.access.admin_site import AuditedAdmin
from reliefline.people.models import (
    DuplicateCluster,
    DuplicatePair,
    Household,
    Merge,
    Person,
    PersonKey,
)
from reliefline.people.phones import phone_normalise


class PersonForm(forms.ModelForm):  # type: ignore[type-arg]
    """Store phones in E.164 like every other path in, so the blind index finds them."""

    class Meta:
        model = Person
        fields = (
            "household",
            "given_name",
            "patronymic",
            "family_name",
            "birth_date",
            "phone",
            "preferred_language",
            "legal_basis",
            "consent_method",
            "consent_at",
        )

    def clean_phone(self) -> str:
        raw: str = self.cleaned_data.get("phone", "")
        if not raw.strip():
            return ""
        normalised = phone_normalise(raw)
        if normalised is None:
            raise forms.ValidationError(_("Not a valid phone number."))
        return normalised


class PersonInline(admin.TabularInline):  # type: ignore[type-arg]
    model = Person
    form = PersonForm
    extra = 0
    show_change_link = True


@admin.register(Household)
class HouseholdAdmin(AuditedAdmin):
    """Households by number: members' names are on the household's page, which is audited.

    The list has no names, so browsing it reads no one's data; a search by a member's
    name is recorded with every member of the households it found.
    """

    audit_fields = ("members.name", "members.phone", "members.birth_date")
    audit_search_fields = ("name",)
    list_display = ("__str__", "settlement", "size", "created_at")
    list_select_related = ("settlement",)
    search_fields = ("=id", "members__family_name", "members__given_name", "settlement__name_en")
    autocomplete_fields = ("settlement",)
    inlines = (PersonInline,)

    def audit_person_ids(self, obj: Household) -> list[int]:
        return list(obj.members.values_list("pk", flat=True))

    def audit_page_person_ids(self, objects: Sequence[Household]) -> list[int]:
        return list(Person.objects.filter(household__in=objects).values_list("pk", flat=True))


# The list of persons, and what it adds for a search's results: their names.
PERSON_COLUMNS = ("id", "household", "preferred_language", "legal_basis", "created_at")
PERSON_NAME_COLUMNS = {"family_name": "name", "given_name": "name", "patronymic": "name"}


@admin.register(Person)
class PersonAdmin(AuditedAdmin):
    """Persons are listed by id; names are shown only to a search, which is audited.

    Browsing every name page by page is what the admin needs least and what a stolen
    admin session would want most; whoever looks someone up searches, and the entry
    names the persons found (never what was searched for).
    """

    audit_fields = ("name", "phone", "birth_date", "consent")
    audit_columns = PERSON_NAME_COLUMNS
    audit_label_fields = ("name",)  # str(person) is the full name
    audit_search_fields = ("name",)
    # The phone is shown decrypted by its field; its blind index is never shown.
    form = PersonForm
    list_display = PERSON_COLUMNS
    list_filter = ("preferred_language", "legal_basis", "consent_method")
    search_fields = ("given_name", "family_name", "patronymic")
    autocomplete_fields = ("household",)
    readonly_fields = ("consent_recorded_by", "purged_at", "created_at")

    def get_list_display(self, request: HttpRequest) -> tuple[str, ...]:
        if request.GET.get(SEARCH_VAR, "").strip():
            return ("id", *PERSON_NAME_COLUMNS, *PERSON_COLUMNS[1:])
        return PERSON_COLUMNS

    def audit_person_ids(self, obj: Person) -> list[int]:
        return [obj.pk]

    def audit_page_person_ids(self, objects: Sequence[Person]) -> list[int]:
        return [person.pk for person in objects]


@admin.register(PersonKey)
class PersonKeyAdmin(AuditedAdmin):
    """Read-only: the keys are derived from persons on every save (reindex-people rebuilds).

    A key's value is a name or a birth date, normalised: listed by kind only, shown
    (and audited) on its own page.
    """

    audit_fields = ("name", "birth_date")
    list_display = ("id", "person_id", "kind")
    list_filter = ("kind",)

    def audit_person_ids(self, obj: PersonKey) -> list[int]:
        return [obj.person_id]

    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


# Duplicates and merges are decided on the review pages (/people/duplicates/), which keep
# the rules (a merge re-points every record and can be undone) and audit every read; the
# admin only lists them, by ids: no names, no pair comparisons, no moved rows.


@admin.register(DuplicateCluster)
class DuplicateClusterAdmin(ReadOnlyAdmin):
    list_display = ("id", "status", "score", "size", "found_at", "updated_at")
    list_filter = ("status",)


@admin.register(DuplicatePair)
class DuplicatePairAdmin(ReadOnlyAdmin):
    list_display = ("id", "cluster_id", "first_id", "second_id", "probability", "status")
    list_filter = ("status",)
    # Persons by id only: their string is their name, which these pages do not audit.
    fields = ("cluster", "first_id", "second_id", "probability", "status", "found_at")
    readonly_fields = fields


@admin.register(Merge)
class MergeAdmin(ReadOnlyAdmin):
    list_display = ("id", "survivor_id", "merged_id", "by", "at", "undone_at")
    fields = ("survivor_id", "merged_id", "by", "at", "undone_at", "undone_by")
    readonly_fields = fields
