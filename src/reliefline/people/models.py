from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from reliefline.access.crypto import blind_index
from reliefline.access.fields import EncryptedTextField
from reliefline.people.matching import Identity, KeyKind, blocking_keys, prepare
from reliefline.translit import skeleton


class Language(models.TextChoices):
    UK = "uk", _("Ukrainian")
    RU = "ru", _("Russian")
    EN = "en", _("English")


class LegalBasis(models.TextChoices):
    """Why reliefline may hold this person's data (ICRC Handbook, chapter 3)."""

    CONSENT = "consent", _("Consent")
    VITAL_INTEREST = "vital_interest", _("Vital interest")
    PUBLIC_INTEREST = "public_interest", _("Public interest / humanitarian mandate")
    LEGITIMATE_INTEREST = "legitimate_interest", _("Legitimate interest")


class ConsentMethod(models.TextChoices):
    VERBAL = "verbal", _("Verbally, on the phone")
    WRITTEN = "written", _("In writing (message or form)")
    IN_PERSON = "in_person", _("In person")
    NOT_OBTAINED = "not_obtained", _("Not obtained (see legal basis)")


class Household(models.Model):
    """People who live together and, for evacuation and aid, travel and receive together."""

    settlement = models.ForeignKey(
        "places.Place", null=True, blank=True, on_delete=models.PROTECT, related_name="households"
    )
    size = models.PositiveSmallIntegerField(default=1)
    # Set when a merge (people.merge) folded this household into another; kept for undo.
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged_from"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(size__gte=1, size__lte=50), name="household_size_sane"
            ),
        ]

    def __str__(self) -> str:
        return f"H-{self.pk:06d}" if self.pk else "H-new"


class Person(models.Model):
    """A resident as the hotline knows them: names as typed, never "corrected"."""

    household = models.ForeignKey(
        Household,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="members",
        verbose_name=_("Household"),
    )
    given_name = models.CharField(_("Given name"), max_length=100, blank=True)
    family_name = models.CharField(_("Family name"), max_length=100, blank=True)
    patronymic = models.CharField(_("Patronymic"), max_length=100, blank=True)
    birth_date = models.DateField(_("Birth date"), null=True, blank=True)
    # E.164, encrypted at rest; phone_index is the keyed blind index for exact lookup.
    phone = EncryptedTextField(_("Phone number"), blank=True, default="")
    phone_index = models.CharField(
        _("Phone lookup key"), max_length=64, blank=True, default="", editable=False
    )
    preferred_language = models.CharField(
        _("Language"), max_length=2, choices=Language.choices, default=Language.UK
    )
    # Script-independent key of "family given" (reliefline.translit.skeleton).
    name_key = models.CharField(
        _("Name lookup key"), max_length=220, blank=True, default="", editable=False
    )
    legal_basis = models.CharField(
        _("Legal basis"), max_length=20, choices=LegalBasis.choices, default=LegalBasis.CONSENT
    )
    consent_method = models.CharField(
        _("How consent was given"),
        max_length=16,
        choices=ConsentMethod.choices,
        default=ConsentMethod.VERBAL,
    )
    consent_at = models.DateTimeField(_("Consent given at"), null=True, blank=True)
    consent_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("Consent recorded by"),
    )
    # The id the person has in another registry (reliefline import people), if any.
    external_id = models.CharField(
        _("External id"), max_length=64, null=True, blank=True, unique=True
    )
    # Set when retention removed the personal fields; the row stays for aggregates.
    purged_at = models.DateTimeField(_("Personal data purged at"), null=True, blank=True)
    # Set when a merge (people.merge) found this record a duplicate of another: the row
    # stays, so the merge can be undone, but it leaves the matching index and the queue.
    merged_into = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_from",
        verbose_name=_("Merged into"),
    )
    created_at = models.DateTimeField(_("Created"), auto_now_add=True)

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("persons")
        # Declared here, not with db_index, so that PostgreSQL gets no second
        # varchar_pattern_ops index for LIKE 'x%': both are only looked up by equality
        # (name_key__contains cannot use a B-tree at all).
        indexes = [
            models.Index(fields=["phone_index"], name="person_phone_index"),
            models.Index(fields=["name_key"], name="person_name_key"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(given_name="", family_name="", phone_index="")
                | models.Q(purged_at__isnull=False),
                name="person_identifiable_unless_purged",
            ),
            models.CheckConstraint(
                condition=~models.Q(legal_basis="consent", consent_method="not_obtained"),
                name="person_consent_basis_has_consent",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name or f"P-{self.pk}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Derived keys are rewritten on every save, so no path can leave them stale.
        self.derive_keys()
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "name_key", "phone_index"}
        adding = self._state.adding
        # No savepoint: the keys commit or roll back with whatever saves the person.
        with transaction.atomic(savepoint=False):
            super().save(*args, **kwargs)
            PersonKey.refresh(self, new=adding)

    def derive_keys(self) -> None:
        """Set the name and phone lookup keys from the fields (bulk loaders call this too)."""
        self.name_key = Person.name_key_for(
            family_name=self.family_name, given_name=self.given_name
        )
        self.phone_index = blind_index(self.phone) if self.phone else ""

    @staticmethod
    def name_key_for(*, family_name: str, given_name: str) -> str:
        """Return the name_key of these names (derive_keys; bulk loaders without instances)."""
        return skeleton(f"{family_name} {given_name}")

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.given_name, self.patronymic, self.family_name) if p)


class PersonKey(models.Model):
    """A blocking key of a person in the identity-matching index (people.matching).

    Derived from the person on every save (Person.save), so the index is always in the
    database, shared by every worker, and `reliefline reindex-people` rebuilds it.
    """

    # No index of its own: personkey_unique starts with person_id and serves its lookups.
    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="match_keys", db_index=False
    )
    kind = models.CharField(max_length=2)
    value = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("matching key")
        verbose_name_plural = _("matching keys")
        # person_id in the index too: a block is then read from the index alone, and a
        # common family name's block stops at the cap instead of visiting the table
        # for every row (people.selectors.person_match).
        indexes = [
            models.Index(fields=["kind", "value", "person"], name="personkey_kind_value_person")
        ]
        constraints = [
            models.UniqueConstraint(fields=["person", "kind", "value"], name="personkey_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.value}"

    @staticmethod
    def keys_of(person: Person) -> set[tuple[str, str]]:
        """Return the (kind, value) keys of a person; none once it is purged or merged."""
        if person.purged_at is not None or person.merged_into_id is not None:
            return set()
        identity = Identity(
            given_name=person.given_name,
            family_name=person.family_name,
            patronymic=person.patronymic,
            birth_date=person.birth_date,
        )
        return PersonKey.keys_for(identity, phone_index=person.phone_index)

    @staticmethod
    def keys_for(identity: Identity, *, phone_index: str) -> set[tuple[str, str]]:
        """Return the (kind, value) keys of a person's names, birth date and phone index."""
        keys = blocking_keys(prepare(identity))
        if phone_index:
            keys.add((KeyKind.PHONE, phone_index))
        return keys

    @staticmethod
    def refresh(person: Person, *, new: bool = False) -> None:
        """Replace the keys of a saved person with the ones its fields give now.

        A person just inserted has no keys yet, so `new` skips the DELETE.
        """
        if not new:
            PersonKey.objects.filter(person=person).delete()
        PersonKey.objects.bulk_create(
            PersonKey(person=person, kind=kind, value=value)
            for kind, value in PersonKey.keys_of(person)
        )


class ClusterStatus(models.TextChoices):
    # Contexts of their own: "Open" is also the queue's filter of open cases (plural).
    OPEN = "open", pgettext_lazy("duplicate cluster", "Open")
    CLOSED = "closed", pgettext_lazy("duplicate cluster", "Closed")


class PairStatus(models.TextChoices):
    OPEN = "open", _("To review")
    DISTINCT = "distinct", _("Distinct persons")
    MERGED = "merged", _("Merged")


class DuplicateCluster(models.Model):
    """Persons `reliefline dedupe` found linked by likely-duplicate pairs (people.dedupe).

    A connected component of the open pairs; it closes when a coordinator has merged or
    told apart every pair in it.
    """

    status = models.CharField(
        max_length=8, choices=ClusterStatus.choices, default=ClusterStatus.OPEN
    )
    score = models.FloatField(help_text=_("The highest probability of an open pair."))
    size = models.PositiveIntegerField(help_text=_("Persons linked by open pairs."))
    found_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("duplicate cluster")
        verbose_name_plural = _("duplicate clusters")
        indexes = [models.Index(fields=["status", "-score", "id"], name="cluster_queue_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["open", "closed"]), name="cluster_status_known"
            ),
        ]

    def __str__(self) -> str:
        return f"D-{self.pk:06d}" if self.pk else "D-new"


class DuplicatePair(models.Model):
    """Two persons the scorer found likely to be one, and what a coordinator decided.

    `first` has the lower id, so a pair exists once; a pair decided distinct is never
    proposed again. `comparisons` keeps the scorer's levels ([feature, level]), not the
    names it compared: the readable reasons are computed again when the pair is shown.
    """

    cluster = models.ForeignKey(
        DuplicateCluster, null=True, blank=True, on_delete=models.SET_NULL, related_name="pairs"
    )
    first = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    second = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    probability = models.FloatField()
    comparisons = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=8, choices=PairStatus.choices, default=PairStatus.OPEN)
    found_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    merge = models.ForeignKey(
        "people.Merge", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("duplicate pair")
        verbose_name_plural = _("duplicate pairs")
        indexes = [models.Index(fields=["status", "cluster"], name="pair_status_cluster_idx")]
        constraints = [
            models.UniqueConstraint(fields=["first", "second"], name="pair_once"),
            models.CheckConstraint(
                condition=models.Q(first__lt=models.F("second")), name="pair_ordered"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["open", "distinct", "merged"]),
                name="pair_status_known",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.first_id}~{self.second_id}"


class Merge(models.Model):
    """One merge of a duplicate person into a surviving one, and exactly what it moved.

    `moved` lists every row whose foreign key was re-pointed ({"model", "field", "pk",
    "from", "to"}); `snapshot` holds both persons' and households' field values before
    and after, encrypted like the fields they copy. Undo (people.merge.merge_undo) puts
    every row and value back.
    """

    survivor = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    merged = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    survivor_household = models.ForeignKey(
        Household, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    merged_household = models.ForeignKey(
        Household, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    moved = models.JSONField(default=list, blank=True)
    snapshot = EncryptedTextField()
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("merge")
        verbose_name_plural = _("merges")
        permissions = [("merge_person", _("Can review duplicates, merge persons and undo"))]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(survivor=models.F("merged")), name="merge_two_persons"
            ),
        ]

    def __str__(self) -> str:
        return f"M-{self.pk:06d}" if self.pk else "M-new"
