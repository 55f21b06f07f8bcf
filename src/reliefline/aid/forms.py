"""Forms of the aid pages: they parse input; the rules stay in the services."""

from django import forms
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from reliefline.aid.models import Distribution, Item, Settlement, Warehouse
from reliefline.forms import DateField, DateTimeField


class ReceiptForm(forms.Form):
    warehouse = forms.ModelChoiceField(
        queryset=Warehouse.objects.order_by("code"), to_field_name="code", label=_("Warehouse")
    )
    item = forms.ModelChoiceField(
        queryset=Item.objects.order_by("code"), to_field_name="code", label=_("Item")
    )
    quantity = forms.IntegerField(min_value=1, max_value=10_000_000, label=_("Quantity (units)"))
    reference = forms.CharField(max_length=100, required=False, label=_("Waybill or document"))
    lot = forms.CharField(
        max_length=40,
        required=False,
        label=_("Lot"),
        help_text=_(
            "Leave it empty when the goods have no lot number: with an expiry date they "
            "are kept in a lot named for it (EXP-YYYY-MM-DD)."
        ),
    )
    expiry = DateField(required=False, label=_("Expiry"))
    reason = forms.CharField(max_length=500, required=False, label=_("Note"))


class PlanForm(forms.Form):
    settlement = forms.CharField(max_length=64, label=_("Settlement"), widget=forms.HiddenInput)
    starts_on = DateField(label=_("Starts on"))
    days = forms.IntegerField(min_value=1, max_value=366, initial=7, label=_("Days"))
    population = forms.IntegerField(
        min_value=0,
        max_value=10_000_000,
        required=False,
        label=_("Population present"),
        help_text=_("Leave empty to use the situation reports' figure."),
    )
    note = forms.CharField(max_length=500, required=False, label=_("Note"))


class DistributionForm(forms.Form):
    warehouse = forms.ModelChoiceField(
        queryset=Warehouse.objects.order_by("code"), to_field_name="code", label=_("From warehouse")
    )
    recipient_name = forms.CharField(
        max_length=200, required=False, label=_("Received by (name as given)")
    )
    confirmation_code = forms.CharField(max_length=20, required=False, label=_("Confirmation code"))
    override_reason = forms.CharField(
        max_length=2000,
        required=False,
        label=_("Override justification (coordinators)"),
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: object, items: list[Item], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.items = items
        for item in items:
            self.fields[f"qty_{item.code}"] = forms.IntegerField(
                min_value=0, max_value=10_000, required=False, initial=0, label=item.display_name()
            )

    def lines(self) -> list[tuple[str, int]]:
        """Return (item code, quantity) for every item given a positive quantity."""
        return [
            (item.code, self.cleaned_data[f"qty_{item.code}"])
            for item in self.items
            if self.cleaned_data.get(f"qty_{item.code}")
        ]


class StockChangeForm(forms.Form):
    ACTIONS = (
        ("loss", _("Loss or damage")),
        ("count", _("Count adjustment (enter the counted quantity)")),
        ("transfer", _("Transfer to another warehouse")),
    )
    action = forms.ChoiceField(choices=ACTIONS, label=_("Change"))
    warehouse = forms.ModelChoiceField(
        queryset=Warehouse.objects.order_by("code"), to_field_name="code", label=_("Warehouse")
    )
    item = forms.ModelChoiceField(
        queryset=Item.objects.order_by("code"), to_field_name="code", label=_("Item")
    )
    quantity = forms.IntegerField(min_value=0, max_value=10_000_000, label=_("Quantity (units)"))
    target = forms.ModelChoiceField(
        queryset=Warehouse.objects.order_by("code"),
        to_field_name="code",
        required=False,
        label=_("Transfer to"),
    )
    lot = forms.CharField(max_length=40, required=False, label=_("Lot"))
    reason = forms.CharField(max_length=500, required=False, label=_("Reason"))
    reference = forms.CharField(max_length=100, required=False, label=_("Document"))


class ReverseForm(forms.Form):
    reason = forms.CharField(max_length=500, label=_("Why is it reversed?"))


class ReportPeriodForm(forms.Form):
    """The distributions report's ?since=&until= (YYYY-MM-DD), both optional."""

    since = DateField(required=False, label=_("From"))
    until = DateField(required=False, label=_("Until"))

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and since > until:
            self.add_error("until", _("Give a day on or after %(since)s.") % {"since": since})
        return cleaned

    def errors_named(self) -> list[str]:
        """Return each error as "field: message", naming the query parameter."""
        return [f"{name}: {error}" for name, errors in self.errors.items() for error in errors]


class RefusalReportForm(DistributionForm):
    """A kept distribution's fields, as the phone sent them, and what the server said."""

    household = forms.IntegerField(min_value=1, max_value=2**63 - 1, label=_("Household"))
    key = forms.CharField(max_length=255, label=_("Key"))
    handed_out_at = DateTimeField(label=_("Handed out at"))
    reasons = forms.CharField(max_length=2000, label=_("Why it was refused"))


class RefusalSettleForm(forms.Form):
    """How a coordinator settles a refused distribution; the service checks the rest."""

    how = forms.ChoiceField(choices=Settlement.choices, label=_("Settle as"))
    distribution = forms.TypedChoiceField(
        coerce=int,
        required=False,
        empty_value=None,
        label=_("Distribution recorded afterwards"),
    )
    override_reason = forms.CharField(
        max_length=2000,
        required=False,
        label=_("Override justification (when the rules refused it)"),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    note = forms.CharField(
        max_length=2000,
        required=False,
        label=_("Note (required when not given)"),
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: object, candidates: list[Distribution], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        field = self.fields["distribution"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [("", _("Record it now from these lines"))] + [
            (str(d.pk), _candidate_label(d)) for d in candidates
        ]


def _candidate_label(distribution: Distribution) -> str:
    """Return "D-000007 · when · what": the items tell which hand-out it is."""
    when = formats.date_format(timezone.localtime(distribution.at), "Y-m-d H:i")
    lines = sorted(distribution.lines.all(), key=lambda line: line.item.code)
    what = ", ".join(f"{line.item.display_name()} × {line.quantity}" for line in lines)
    return f"{distribution} · {when} · {what}"
