"""Organisations, sharing agreements, 3W activities and referrals."""

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from reliefline.hotline.models import Case
from reliefline.places.models import Place


class OrganisationKind(models.TextChoices):
    RED_CROSS = "red_cross", _("Red Cross / Red Crescent")
    UN = "un", _("UN agency")
    NGO = "ngo", _("Non-governmental organisation")
    AUTHORITY = "authority", _("Public authority")
    OTHER = "other", _("Other")


class Organisation(models.Model):
    """A partner organisation (ICRC, a UN agency, an NGO) or the operation itself."""

    name = models.CharField(max_length=200, unique=True)
    acronym = models.CharField(max_length=40, blank=True)
    kind = models.CharField(max_length=16, choices=OrganisationKind.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        permissions = [
            ("view_partner_portal", _("Can use the partner portal and download exports")),
            ("view_shared_cases", _("Can see cases shared under a sharing agreement")),
            (
                "view_shared_manifests",
                _("Can download checkpoint manifests of corridors a sharing agreement covers"),
            ),
        ]

    def __str__(self) -> str:
        return self.acronym or self.name


class Membership(models.Model):
    """A user working for an organisation: what its agreements allow, they may see."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="memberships"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation"], name="membership_once"),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organisation}"


class Category(models.TextChoices):
    AGGREGATES = "aggregates", _("Aggregates")
    MANIFESTS = "manifests", _("Corridor manifests")
    CASES = "cases", _("Cases of named need types")


class SharedField(models.TextChoices):
    """Personal fields an agreement may grant; nothing outside this list is ever shared."""

    NAME = "name", _("Name")
    PHONE = "phone", _("Phone number")
    BIRTH_DATE = "birth_date", _("Birth date")
    NOTE = "note", _("Free-text notes")
    HOUSEHOLD_SIZE = "household_size", _("Household size")
    VULNERABILITIES = "vulnerabilities", _("Vulnerabilities")
    LANGUAGE = "language", _("Language")


class SharingAgreement(models.Model):
    """What an organisation may see, for what purpose, where, and until when.

    An agreement is in force from `starts_at` until `ends_at` (exclusive) unless
    revoked; every partner-facing read checks it at request time.
    """

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="agreements"
    )
    purpose = models.CharField(max_length=300)
    categories = models.JSONField(default=list, help_text=_("Categories of data shared."))
    need_types = models.JSONField(
        default=list, blank=True, help_text=_("For the cases category: which needs.")
    )
    settlements = models.ManyToManyField(Place, related_name="+", blank=True)
    fields = models.JSONField(default=list, blank=True, help_text=_("Personal fields granted."))
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_at", "-id"]
        verbose_name = _("sharing agreement")
        verbose_name_plural = _("sharing agreements")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="agreement_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation}: {self.purpose}"

    def in_force(self, at: dt.datetime) -> bool:
        """Return whether the agreement allows access at this moment."""
        revoked = self.revoked_at is not None and self.revoked_at <= at
        return self.starts_at <= at < self.ends_at and not revoked


class Sector(models.TextChoices):
    """The humanitarian clusters, as 3W reports name them."""

    FOOD = "food_security", _("Food security")
    WASH = "wash", _("Water, sanitation and hygiene")
    HEALTH = "health", _("Health")
    SHELTER = "shelter", _("Shelter and non-food items")
    PROTECTION = "protection", _("Protection")
    LOGISTICS = "logistics", _("Logistics")
    EVACUATION = "evacuation", _("Evacuation")
    CCCM = "cccm", _("Camp coordination and management")
    EDUCATION = "education", _("Education")


class Activity(models.Model):
    """One line of the 3W: who does what, where, when, for how many people."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="activities"
    )
    sector = models.CharField(max_length=16, choices=Sector.choices)
    description = models.CharField(max_length=200)
    settlement = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="+")
    starts_on = models.DateField()
    ends_on = models.DateField()
    targeted = models.PositiveIntegerField()
    reached = models.PositiveIntegerField(default=0)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    entered_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_on", "-id"]
        verbose_name = _("3W activity")
        verbose_name_plural = _("3W activities")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="activity_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(sector__in=[s.value for s in Sector]), name="activity_sector_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} {self.sector} {self.settlement_id}"


class ReferralStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")


class Referral(models.Model):
    """A case referred to a partner under an agreement; what was disclosed is kept."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="referrals")
    agreement = models.ForeignKey(
        SharingAgreement, on_delete=models.PROTECT, related_name="referrals"
    )
    need_types = models.JSONField(default=list)
    # The personal fields disclosed: fixed when referred, never widened later.
    fields = models.JSONField(default=list, blank=True)
    status = models.CharField(
        max_length=10, choices=ReferralStatus.choices, default=ReferralStatus.PENDING
    )
    referred_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    referred_at = models.DateTimeField(auto_now_add=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    responded_at = models.DateTimeField(null=True, blank=True)
    response_note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-referred_at", "-id"]
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        constraints = [
            models.CheckConstraint(
                condition=Q(status="pending", responded_at__isnull=True)
                | Q(status__in=["accepted", "declined"], responded_at__isnull=False),
                name="referral_response_recorded",
            ),
            models.UniqueConstraint(
                fields=["case", "agreement"],
                condition=Q(status="pending"),
                name="referral_one_pending_per_agreement",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case} → {self.agreement.organisation} ({self.status})"
