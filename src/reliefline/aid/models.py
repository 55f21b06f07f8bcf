"""Items, warehouses, the append-only stock ledger, aid plans and distributions."""

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import translation
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from reliefline.access.fields import EncryptedTextField


class ItemKind(models.TextChoices):
    """What an item is for; double-dipping rules and case needs are matched by kind."""

    WATER = "water", _("Water")
    FOOD = "food", _("Food")
    MEDICINE = "medicine", _("Medicine")
    HYGIENE = "hygiene", _("Hygiene")
    SHELTER = "shelter", _("Shelter")
    OTHER = "other", _("Other")


class Unit(models.TextChoices):
    PIECE = "piece", _("piece")
    BOTTLE = "bottle", _("bottle")
    CAN = "can", _("can")
    PACK = "pack", _("pack")
    BOX = "box", _("box")
    KIT = "kit", _("kit")
    LITRE = "litre", _("litre")
    KG = "kg", _("kg")
    VIAL = "vial", _("vial")


class Item(models.Model):
    """Something handed out, counted in whole units (a 5-litre bottle, a can, a vial)."""

    code = models.SlugField(max_length=40, unique=True)
    name_en = models.CharField(max_length=120)
    name_uk = models.CharField(max_length=120, blank=True)
    name_ru = models.CharField(max_length=120, blank=True)
    unit = models.CharField(max_length=8, choices=Unit.choices, default=Unit.PIECE)
    pack_size = models.PositiveIntegerField(
        default=1, help_text=_("Units in one pack as it arrives.")
    )
    kind = models.CharField(max_length=10, choices=ItemKind.choices, default=ItemKind.OTHER)
    # What one unit contributes to the Sphere standards (0 when it does not).
    litres_per_unit = models.DecimalField(max_digits=8, decimal_places=2, default=Decimal(0))
    kcal_per_unit = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("item")
        verbose_name_plural = _("items")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(pack_size__gte=1), name="item_pack_size_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(litres_per_unit__gte=0), name="item_litres_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} · {self.display_name()}"

    def display_name(self, language: str | None = None) -> str:
        """Return the name in the given (or active) language, else the English one."""
        language = (language or translation.get_language() or "en")[:2]
        name: str = getattr(self, f"name_{language}", "") if language in ("uk", "ru") else ""
        return name or self.name_en


class Warehouse(models.Model):
    """A warehouse or a (mobile) distribution point, at a settlement of the gazetteer."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=120)
    settlement = models.ForeignKey(
        "places.Place", on_delete=models.PROTECT, related_name="warehouses"
    )
    mobile = models.BooleanField(
        default=False, help_text=_("A mobile distribution point rather than a fixed store.")
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("warehouse")
        verbose_name_plural = _("warehouses")

    def __str__(self) -> str:
        return f"{self.code} · {self.name}"


class MovementKind(models.TextChoices):
    RECEIPT = "receipt", _("Receipt")
    TRANSFER_OUT = "transfer_out", _("Transfer out")
    TRANSFER_IN = "transfer_in", _("Transfer in")
    DISTRIBUTION = "distribution", _("Distribution")
    LOSS = "loss", _("Loss or damage")
    ADJUSTMENT = "adjustment", _("Count adjustment")
    REVERSAL = "reversal", _("Reversal")


# The reason reliefline writes on the LOSS movements of a refused distribution written
# off (services.refusals), and its code in the API. Stored as the English msgid filled
# in, whoever settles it; shown in the reader's language (Movement.reason_text).
REFUSAL_WRITTEN_OFF = gettext_noop("Handed out offline and refused when sent (%(ref)s).")
REFUSAL_WRITTEN_OFF_CODE = "refusal_written_off"


class AppendOnly(Exception):
    """A ledger row was about to be changed or deleted."""


class Movement(models.Model):
    """One change of stock: `quantity` is signed (receipts add, distributions take).

    Rows are never updated or deleted (save/delete refuse, and a database trigger
    refuses on PostgreSQL and SQLite); a mistake is corrected by a REVERSAL row that
    points to the movement it undoes.
    """

    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="movements")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="movements")
    lot = models.CharField(max_length=40, blank=True, default="")
    expiry = models.DateField(null=True, blank=True)
    kind = models.CharField(max_length=16, choices=MovementKind.choices)
    # 64-bit, as the balance: a count or a reversal moves what a balance holds at once.
    quantity = models.BigIntegerField()
    reason = models.CharField(max_length=500, blank=True, default="")
    reference = models.CharField(max_length=100, blank=True, default="")
    # Users are deactivated, never deleted, so the ledger always names who did it.
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    reverses = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversal"
    )
    # The other leg of a transfer (the "in" row points to its "out" row).
    transfer_of = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="transfer_in"
    )
    distribution = models.ForeignKey(
        "Distribution", null=True, blank=True, on_delete=models.PROTECT, related_name="movements"
    )

    class Meta:
        verbose_name = _("stock movement")
        verbose_name_plural = _("stock movements")
        permissions = [
            ("manage_stock", _("Can manage items, warehouses, stock and plans")),
            ("distribute", _("Can record aid distributions")),
            ("override_rule", _("Can override a double-dipping rule with a justification")),
            ("view_stock", _("Can see stock levels and aid aggregates")),
        ]
        indexes = [
            models.Index(fields=["warehouse", "item", "-id"], name="movement_wh_item_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(quantity=0), name="movement_quantity_nonzero"
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=[k.value for k in MovementKind]),
                name="movement_kind_known",
            ),
            models.CheckConstraint(
                condition=models.Q(kind="reversal", reverses__isnull=False)
                | (~models.Q(kind="reversal") & models.Q(reverses__isnull=True)),
                name="movement_reversal_has_target",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.quantity:+d} {self.item_id}@{self.warehouse_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnly("a stock movement is never changed; record a reversal")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnly("a stock movement is never deleted; record a reversal")

    def _writes_off(self) -> "DistributionRefusal | None":
        """Return the refused distribution this movement writes off, if any.

        Only a LOSS can be one; prefetch `refusals` when reading many.
        """
        if self.kind != MovementKind.LOSS:
            return None
        return next(iter(self.refusals.all()), None)

    @property
    def reason_code(self) -> str | None:
        """Return the code of a reason reliefline wrote, or None for one a person typed."""
        return REFUSAL_WRITTEN_OFF_CODE if self._writes_off() is not None else None

    @property
    def reason_text(self) -> str:
        """Return why, in the active language.

        A reason reliefline wrote is known by the refusal the movement writes off (its
        link is never removed), so it is composed again in the reader's language, rows
        stored in the settling coordinator's language before included. One a person
        typed reads as typed.
        """
        refusal = self._writes_off()
        if refusal is None:
            return self.reason
        return gettext(REFUSAL_WRITTEN_OFF) % {"ref": str(refusal)}


class Balance(models.Model):
    """The quantity on hand per warehouse, item and lot, kept with every movement.

    All units of a balance share its expiry date (or have none): dated stock without a
    lot number is kept in a lot named for its date (services.ledger.lot_kept).
    """

    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="balances")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="balances")
    lot = models.CharField(max_length=40, blank=True, default="")
    expiry = models.DateField(null=True, blank=True)
    # 64-bit: receipts of up to 10,000,000 units each would pass 2**31 in 215.
    quantity = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("stock balance")
        verbose_name_plural = _("stock balances")
        constraints = [
            models.UniqueConstraint(
                fields=["warehouse", "item", "lot"], name="balance_one_per_warehouse_item_lot"
            ),
            models.CheckConstraint(
                condition=models.Q(quantity__gte=0), name="balance_quantity_not_negative"
            ),
            # Stock kept without a lot is undated: a date on it would be put on every
            # unit received there, dated or not.
            models.CheckConstraint(
                condition=~models.Q(lot="") | models.Q(expiry__isnull=True),
                name="balance_no_lot_undated",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item_id}@{self.warehouse_id} {self.lot} = {self.quantity}"


class DistributionRule(models.Model):
    """How often a household may receive items of one kind (double-dipping guard)."""

    kind = models.CharField(max_length=10, choices=ItemKind.choices, unique=True)
    max_per_period = models.PositiveSmallIntegerField(
        help_text=_("At most this many distributions per household in the period.")
    )
    period_days = models.PositiveSmallIntegerField()
    min_interval_days = models.PositiveSmallIntegerField(
        default=0, help_text=_("At least this many days between two distributions.")
    )

    class Meta:
        verbose_name = _("double-dipping rule")
        verbose_name_plural = _("double-dipping rules")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(max_per_period__gte=1, period_days__gte=1),
                name="rule_period_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.max_per_period}/{self.period_days} d"


class Distribution(models.Model):
    """Items handed to a household (or a person) from a warehouse or distribution point."""

    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="distributions")
    household = models.ForeignKey(
        "people.Household", on_delete=models.PROTECT, related_name="aid_distributions"
    )
    person = models.ForeignKey(
        "people.Person",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="aid_distributions",
    )
    # The name the recipient gave at the point, as given: personal data, encrypted.
    recipient_name = EncryptedTextField(blank=True, default="")
    confirmation_code = models.CharField(max_length=20, blank=True, default="")
    override_reason = EncryptedTextField(blank=True, default="")
    overridden_rules = models.JSONField(default=list, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    # The idempotency key its request came with (access.idempotency.request_key). Kept
    # with the distribution for good, unlike the request's own row, so that a phone
    # that kept it longer than a month without signal cannot record it twice.
    key = models.CharField(max_length=255, blank=True, default="", editable=False)

    class Meta:
        verbose_name = _("distribution")
        verbose_name_plural = _("distributions")
        indexes = [models.Index(fields=["household", "-at"], name="distribution_household_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["by", "key"],
                condition=~models.Q(key=""),
                name="distribution_once_per_key",
            )
        ]

    def __str__(self) -> str:
        return f"D-{self.pk:06d}" if self.pk else "D-new"


class DistributionLine(models.Model):
    distribution = models.ForeignKey(Distribution, on_delete=models.PROTECT, related_name="lines")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField()

    class Meta:
        verbose_name = _("distribution line")
        verbose_name_plural = _("distribution lines")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(quantity__gte=1), name="line_quantity_positive"
            ),
            models.UniqueConstraint(fields=["distribution", "item"], name="line_one_per_item"),
        ]

    def __str__(self) -> str:
        return f"{self.item_id} × {self.quantity}"


class Measure(models.TextChoices):
    LITRES = "litres", _("litres")
    KCAL = "kcal", _("kcal")
    UNITS = "units", _("units")


class Standard(models.Model):
    """A Sphere minimum standard per person and day, kept as data a coordinator can edit."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=120, help_text=_("In English."))
    name_uk = models.CharField(max_length=120, blank=True)
    name_ru = models.CharField(max_length=120, blank=True)
    kind = models.CharField(max_length=10, choices=ItemKind.choices)
    measure = models.CharField(max_length=8, choices=Measure.choices)
    per_person_per_day = models.DecimalField(max_digits=10, decimal_places=2)
    source = models.CharField(max_length=200, blank=True, default="")

    class Meta:
        ordering = ["code"]
        verbose_name = _("minimum standard")
        verbose_name_plural = _("minimum standards")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(per_person_per_day__gt=0), name="standard_amount_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}: {self.per_person_per_day} {self.measure}"

    def display_name(self, language: str | None = None) -> str:
        """Return the name in the given (or active) language, else the English one."""
        language = (language or translation.get_language() or "en")[:2]
        name: str = getattr(self, f"name_{language}", "") if language in ("uk", "ru") else ""
        return name or self.name


class KitLine(models.Model):
    """An item of the kit meeting a standard, and the share of the standard it covers.

    With `measure` "units" the share is the number of units per person per day.
    """

    standard = models.ForeignKey(Standard, on_delete=models.CASCADE, related_name="kit")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="kit_lines")
    share = models.DecimalField(
        max_digits=6, decimal_places=3, help_text=_("Share of the standard, 0 to 1.")
    )

    class Meta:
        verbose_name = _("kit line")
        verbose_name_plural = _("kit lines")
        constraints = [
            models.UniqueConstraint(fields=["standard", "item"], name="kitline_once_per_item"),
            models.CheckConstraint(
                condition=models.Q(share__gt=0, share__lte=1), name="kitline_share_in_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.standard_id}: {self.item_id} {self.share}"


class Plan(models.Model):
    """A distribution plan for one settlement over a period."""

    settlement = models.ForeignKey(
        "places.Place", on_delete=models.PROTECT, related_name="aid_plans"
    )
    starts_on = models.DateField()
    days = models.PositiveSmallIntegerField(default=7)
    # Entered by hand; the situation claims of the places app are used when they exist.
    population = models.PositiveIntegerField(null=True, blank=True)
    note = models.CharField(max_length=500, blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_on", "-id"]
        verbose_name = _("distribution plan")
        verbose_name_plural = _("distribution plans")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(days__gte=1, days__lte=366), name="plan_days_in_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.settlement_id} {self.starts_on} +{self.days} d"


class RefusalStatus(models.TextChoices):
    OPEN = "open", _("Open")
    SETTLED = "settled", _("Settled")


class Settlement(models.TextChoices):
    """How a refused distribution was put right."""

    RECORDED = "recorded", _("Recorded as a distribution")
    WRITTEN_OFF = "written_off", _("Written off as a loss")
    NOT_GIVEN = "not_given", _("Not handed out after all")


class DistributionRefusal(models.Model):
    """A distribution a phone kept offline, handed out, and the server refused once sent.

    The goods left the warehouse all the same, so the fact is kept here until a
    coordinator settles it: recorded afterwards as a distribution, written off as a
    loss in the ledger, or found not given after all. The refused request itself
    stored nothing; this is the phone's second, explicit report of it.
    """

    household = models.ForeignKey(
        "people.Household", on_delete=models.PROTECT, related_name="aid_refusals"
    )
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="refusals")
    # When the phone's clock said it was handed out: the phone may be wrong, so it is
    # shown as given, next to created_at (when the server heard of it).
    handed_out_at = models.DateTimeField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # The server's answer as the phone showed it; purged with the household's data.
    reasons = models.TextField(blank=True, default="")
    confirmation_code = models.CharField(max_length=20, blank=True, default="")
    # The refused distribution's idempotency key: a report sent again is stored once.
    key = models.CharField(max_length=255, editable=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    status = models.CharField(
        max_length=8, choices=RefusalStatus.choices, default=RefusalStatus.OPEN
    )
    settlement = models.CharField(max_length=12, choices=Settlement.choices, blank=True)
    settled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    settled_at = models.DateTimeField(null=True, blank=True)
    distribution = models.OneToOneField(
        Distribution, null=True, blank=True, on_delete=models.PROTECT, related_name="refusal"
    )
    write_off = models.ManyToManyField(Movement, blank=True, related_name="refusals")
    # May tell of the household's circumstances: encrypted, and purged with its data.
    note = EncryptedTextField(blank=True, default="")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("refused distribution")
        verbose_name_plural = _("refused distributions")
        constraints = [
            models.UniqueConstraint(fields=["key"], name="refusal_once_per_key"),
            models.CheckConstraint(
                condition=models.Q(
                    status="open",
                    settlement="",
                    settled_at__isnull=True,
                    settled_by__isnull=True,
                    distribution__isnull=True,
                )
                | models.Q(
                    status="settled",
                    settlement__in=[s.value for s in Settlement],
                    settled_at__isnull=False,
                ),
                name="refusal_settled_says_how",
            ),
            models.CheckConstraint(
                condition=~models.Q(settlement="recorded") | models.Q(distribution__isnull=False),
                name="refusal_recorded_names_distribution",
            ),
        ]

    def __str__(self) -> str:
        return f"R-{self.pk:06d}" if self.pk else "R-new"


class RefusalLine(models.Model):
    refusal = models.ForeignKey(DistributionRefusal, on_delete=models.CASCADE, related_name="lines")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField()

    class Meta:
        verbose_name = _("refused distribution line")
        verbose_name_plural = _("refused distribution lines")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(quantity__gte=1), name="refusal_line_quantity_positive"
            ),
            models.UniqueConstraint(fields=["refusal", "item"], name="refusal_line_one_per_item"),
        ]

    def __str__(self) -> str:
        return f"{self.item_id} × {self.quantity}"
