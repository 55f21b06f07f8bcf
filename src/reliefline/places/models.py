from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop, pgettext_lazy

from reliefline.places.areas import AreaName, admin_area_name

if TYPE_CHECKING:
    from django.utils.functional import _StrOrPromise as StrOrPromise


class Place(models.Model):
    """A settlement of the gazetteer, named in Russian, Ukrainian and English."""

    id = models.CharField(primary_key=True, max_length=64)
    name_ru = models.CharField(max_length=120, blank=True)
    name_uk = models.CharField(max_length=120, blank=True)
    name_en = models.CharField(max_length=120, blank=True)
    country = models.CharField(max_length=2)
    oblast = models.CharField(max_length=120, blank=True)
    district = models.CharField(max_length=120, blank=True)
    kind = models.CharField(max_length=40, blank=True)
    lat = models.FloatField()
    lon = models.FloatField()
    population = models.PositiveIntegerField(null=True, blank=True)
    population_year = models.PositiveSmallIntegerField(null=True, blank=True)
    source = models.CharField(max_length=300, blank=True)
    # Skeletons (reliefline.translit) of every name, so a search in any script matches.
    search_key = models.CharField(max_length=400, editable=False, db_index=True)

    class Meta:
        ordering = ["name_en"]
        verbose_name = _("settlement")
        verbose_name_plural = _("settlements")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(lat__gte=-90, lat__lte=90, lon__gte=-180, lon__lte=180),
                name="place_coordinates_on_earth",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name()

    def display_name(self, language: str | None = None) -> str:
        """Return the name in the given (or active) language, falling back sensibly."""
        language = (language or translation.get_language() or "en")[:2]
        order = {"uk": ("uk", "ru", "en"), "ru": ("ru", "uk", "en")}.get(
            language, ("en", "uk", "ru")
        )
        for code in order:
            name: str = getattr(self, f"name_{code}")
            if name:
                return name
        return self.id

    def other_names(self, language: str | None = None) -> list[str]:
        """Return the Russian and Ukrainian names that differ from the one shown, once each.

        A reader of one script still recognises the other's spelling (Курськ, Курск);
        where both are spelled alike (Суджа) there is nothing to add.
        """
        shown = self.display_name(language)
        names = (self.name_ru, self.name_uk)
        return list(dict.fromkeys(name for name in names if name and name != shown))

    @property
    def admin_language(self) -> str:
        """Return the language the gazetteer names the district and oblast in.

        It keeps them only as the country's own sources write them: Russian for
        Russia, Ukrainian for Ukraine (places/data/SOURCES.md), in no other language.
        """
        return "ru" if self.country == "RU" else "uk"

    def admin_areas(self, language: str | None = None) -> list[AreaName]:
        """Return the district, then the oblast, in the given (or active) language.

        An area places.areas does not know keeps the gazetteer's name and language.
        """
        return [
            admin_area_name(name, language=language, stored_language=self.admin_language)
            for name in (self.district, self.oblast)
            if name
        ]


class Assignment(models.Model):
    """A field team member's assigned settlement: they see cases there and nowhere else."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="place_assignments"
    )
    place = models.ForeignKey(Place, on_delete=models.CASCADE, related_name="assignments")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("settlement assignment")
        verbose_name_plural = _("settlement assignments")
        constraints = [
            models.UniqueConstraint(fields=["user", "place"], name="assignment_once_per_place"),
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.place}"


class SourceKind(models.TextChoices):
    PARTY = "party", _("Party to the conflict")
    ANALYST = "analyst", _("Independent analyst")
    HUMANITARIAN = "humanitarian", _("Humanitarian organisation")
    RESIDENTS = "residents", _("Resident reports")
    MEDIA = "media", _("News media")


# The hotline's own source: what residents report (places.claims.claim_from_report).
# Stored in English, as every source's name is; shown in the reader's language.
RESIDENT_SOURCE = gettext_noop("Resident reports (hotline)")


class Source(models.Model):
    """A named organisation or publication that makes claims about settlements."""

    name = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=16, choices=SourceKind.choices)
    url = models.URLField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("source")
        verbose_name_plural = _("sources")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=[k.value for k in SourceKind]),
                name="source_kind_known",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def display_name(self) -> str:
        """Return the name to show: the hotline's own in the reader's language."""
        return translation.gettext(self.name) if self.name == RESIDENT_SOURCE else self.name


class Attribute(models.TextChoices):
    CONTROL = "control", _("Control")
    ACCESS = "access", _("Humanitarian access")
    POPULATION = "population", _("Population present")
    WATER = "water", _("Water")
    POWER = "power", _("Power")
    SHELLING = "shelling", _("Shelling reported")
    FOOD = "food", _("Food supply")
    MEDICAL = "medical", _("Medical care")
    COMMUNICATIONS = "communications", _("Phone and internet")


# A retraction is a claim too: the source withdraws what it said before.
RETRACTED = "retracted"

# The values each attribute can take, so that two sources' claims can be compared.
ATTRIBUTE_VALUES: dict[str, dict[str, "StrOrPromise"]] = {
    Attribute.CONTROL: {
        "ukrainian_forces": _("Ukrainian forces"),
        "russian_forces": _("Russian forces"),
        "contested": _("Contested"),
        "unclear": _("Unclear"),
    },
    Attribute.ACCESS: {
        # Its own context: "Open" is also the queue's filter of open cases (plural).
        "open": pgettext_lazy("humanitarian access", "Open"),
        "restricted": _("Restricted"),
        "none": _("No access"),
    },
    Attribute.POPULATION: {
        "most": _("Most residents present"),
        "some": _("Some residents present"),
        "few": _("Few residents present"),
        "none": _("Nobody present"),
    },
    Attribute.WATER: {
        "available": _("Available"),
        "intermittent": _("Intermittent"),
        "none": _("None"),
    },
    Attribute.POWER: {
        "available": _("Available"),
        "intermittent": _("Intermittent"),
        "none": _("None"),
    },
    Attribute.SHELLING: {"yes": _("Shelling reported"), "no": _("No shelling reported")},
    Attribute.FOOD: {"available": _("Available"), "short": _("Short"), "none": _("None")},
    Attribute.MEDICAL: {"available": _("Available"), "limited": _("Limited"), "none": _("None")},
    Attribute.COMMUNICATIONS: {
        "available": _("Available"),
        "intermittent": _("Intermittent"),
        "none": _("None"),
    },
}


def value_label(attribute: str, value: str) -> str:
    """Return the translated label of a claimed value, or the value itself."""
    if value == RETRACTED:
        return str(_("Retracted"))
    return str(ATTRIBUTE_VALUES.get(attribute, {}).get(value, value))


class Confidence(models.TextChoices):
    CONFIRMED = "confirmed", _("Confirmed")
    LIKELY = "likely", _("Likely")
    UNVERIFIED = "unverified", _("Unverified")


class Claim(models.Model):
    """What one source said about one attribute of some settlements, on one day.

    Claims are append-only: a newer claim stands beside the older one and a
    retraction is a claim whose value is "retracted". `stated_count` keeps the
    figure the source gave when it is more than the settlements it named (one side
    said 74 settlements without publishing a list).
    """

    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="claims")
    attribute = models.CharField(max_length=16, choices=Attribute.choices)
    value = models.CharField(max_length=32)
    settlements = models.ManyToManyField(Place, related_name="claims")
    stated_count = models.PositiveIntegerField(null=True, blank=True)
    stated_at = models.DateField(help_text=_("The day the source said it."))
    refers_to = models.DateField(help_text=_("The day the claim describes."))
    confidence = models.CharField(
        max_length=12, choices=Confidence.choices, default=Confidence.UNVERIFIED
    )
    url = models.URLField(max_length=500, blank=True)
    note = models.TextField(blank=True, default="")
    # A resident report turned into a claim names its case, never the caller.
    case_reference = models.CharField(max_length=16, blank=True, default="")
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    entered_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-stated_at", "-id"]
        verbose_name = _("claim")
        verbose_name_plural = _("claims")
        indexes = [models.Index(fields=["attribute", "stated_at"], name="claim_attribute_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(attribute__in=[a.value for a in Attribute]),
                name="claim_attribute_known",
            ),
            models.CheckConstraint(
                condition=models.Q(refers_to__lte=models.F("stated_at")),
                name="claim_refers_to_not_after_statement",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source}: {self.attribute}={self.value} ({self.stated_at})"

    @property
    def value_label(self) -> str:
        return value_label(self.attribute, self.value)
