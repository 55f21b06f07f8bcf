from django.contrib import admin

from reliefline.partners.models import (
    Activity,
    Membership,
    Organisation,
    Referral,
    SharingAgreement,
)


class MembershipInline(admin.TabularInline):  # type: ignore[type-arg]
    model = Membership
    autocomplete_fields = ("user",)
    extra = 0


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name", "acronym", "kind")
    search_fields = ("name", "acronym")
    inlines = (MembershipInline,)


@admin.register(SharingAgreement)
class SharingAgreementAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("organisation", "purpose", "starts_at", "ends_at", "revoked_at")
    list_filter = ("organisation",)
    autocomplete_fields = ("settlements",)
    readonly_fields = ("signed_by", "created_at")


@admin.register(Activity)
class ActivityAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("organisation", "sector", "settlement", "starts_on", "targeted", "reached")
    list_filter = ("sector", "organisation")
    list_select_related = ("organisation", "settlement")


@admin.register(Referral)
class ReferralAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("case", "agreement", "status", "referred_at", "responded_at")
    list_filter = ("status",)
    list_select_related = ("case", "agreement__organisation")
    readonly_fields = tuple(f.name for f in Referral._meta.fields)

    def has_add_permission(self, request: object) -> bool:
        # Referrals go through partners.services.referral_create, which audits them.
        return False
