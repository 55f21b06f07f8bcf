from django.conf import settings
from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _


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
