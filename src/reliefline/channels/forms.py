"""Forms of the channels: they parse what was typed; the rules stay in services."""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from reliefline.channels.models import NoticeKind, NoticeTemplate
from reliefline.channels.services import BROADCAST_KINDS, PLACEHOLDERS, template_check
from reliefline.errors import InvalidInput
from reliefline.hotline.services import MESSAGE_MAX
from reliefline.people.models import Language

# Labels of the values a broadcast's template may need.
CONTEXT_LABELS = {
    "corridor": _("Corridor (e.g. Sudzha → Sumy)"),
    "window": _("When it is open (e.g. Saturday 08:00–14:00)"),
    "items": _("What is given out"),
    "place": _("Where"),
    "time": _("When"),
}
# Typed as it is sent: say whose clock (reliefline.places.times says why).
CLOCK_HINT = _(
    "Residents read it on their own clock: Kursk oblast keeps Moscow time, an hour "
    "ahead of Kyiv in winter. Name the clock, e.g. “Saturday 09:00–15:00 Moscow time”."
)


class ReportForm(forms.Form):
    """The public web form: a resident or a relative abroad asks for help."""

    message = forms.CharField(
        label=_("What do you need, and for whom?"),
        max_length=MESSAGE_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    settlement = forms.CharField(
        label=_("Settlement (town or village)"), max_length=120, required=False
    )
    given_name = forms.CharField(label=_("First name"), max_length=100, required=False)
    family_name = forms.CharField(label=_("Family name"), max_length=100, required=False)
    phone = forms.CharField(
        label=_("Phone for our answer (optional)"), max_length=40, required=False
    )
    household_size = forms.IntegerField(
        label=_("How many people are with you?"), min_value=1, max_value=50, required=False
    )
    consent = forms.BooleanField(
        label=_("I agree that reliefline keeps this information to help us, as explained above.")
    )
    # Hidden from people, filled by bots: a submission with it is quietly dropped.
    website = forms.CharField(required=False, label=_("Leave this empty"))
    token = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if not (data.get("phone") or data.get("given_name") or data.get("family_name")):
            self.add_error("given_name", _("Give a name or a phone, so we can find you."))
        return data


class BroadcastForm(forms.Form):
    """A coordinator's broadcast: which notice, to which settlements, with which values."""

    kind = forms.ChoiceField(
        label=_("Notice"),
        choices=[(k.value, k.label) for k in NoticeKind if k in BROADCAST_KINDS],
    )
    settlements = forms.MultipleChoiceField(
        label=_("Settlements"), widget=forms.SelectMultiple(attrs={"size": 10})
    )
    corridor = forms.CharField(label=CONTEXT_LABELS["corridor"], max_length=200, required=False)
    window = forms.CharField(
        label=CONTEXT_LABELS["window"],
        max_length=200,
        required=False,
        help_text=CLOCK_HINT,
    )
    items = forms.CharField(label=CONTEXT_LABELS["items"], max_length=200, required=False)
    place = forms.CharField(label=CONTEXT_LABELS["place"], max_length=200, required=False)
    time = forms.CharField(
        label=CONTEXT_LABELS["time"], max_length=200, required=False, help_text=CLOCK_HINT
    )

    def __init__(self, *args: object, settlements: list[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        field = self.fields["settlements"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = settlements

    def context(self) -> dict[str, str]:
        """Return the values the chosen kind's template may use."""
        kind = self.cleaned_data.get("kind", "")
        return {name: self.cleaned_data.get(name, "") for name in PLACEHOLDERS.get(kind, ())}


def template_body_clean(*, kind: str, body: str) -> str:
    """Return the body of a notice template, or raise ValidationError saying what is wrong.

    The one check of a template's text, shared by the admin and the coordinators'
    page, so that neither stores a text the other would refuse.
    """
    try:
        template_check(kind=kind, body=body)
    except InvalidInput as error:
        raise ValidationError(error.message, code="placeholder") from error
    return body


class NoticeTemplateForm(forms.ModelForm):  # type: ignore[type-arg]
    """One template in one language, as the admin edits it."""

    class Meta:
        model = NoticeTemplate
        fields = ("kind", "language", "body")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        try:
            template_body_clean(kind=data.get("kind", ""), body=data.get("body", ""))
        except ValidationError as error:
            raise ValidationError({"body": error.messages}) from error
        return data


class NoticeTextsForm(forms.Form):
    """One kind of notice in every language, side by side, as coordinators edit it.

    Each language's text gets the admin's checks: required, no longer than the model
    allows, and no placeholder outside the kind's.
    """

    def __init__(self, *args: Any, kind: str, **kwargs: Any) -> None:
        # The kind prefixes the fields, so every kind's form on the page has its own ids.
        kwargs["prefix"] = kind
        super().__init__(*args, **kwargs)
        self.kind = kind
        body_max = NoticeTemplate._meta.get_field("body").max_length
        for code, label in Language.choices:
            self.fields[code] = forms.CharField(
                label=label,
                max_length=body_max,
                widget=forms.Textarea(attrs={"rows": 6, "lang": code}),
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for code in Language.values:
            if code in data:
                try:
                    template_body_clean(kind=self.kind, body=data[code])
                except ValidationError as error:
                    self.add_error(code, error)
        return data

    @property
    def label(self) -> str:
        """Return the kind's name, in the reader's language."""
        return str(NoticeKind(self.kind).label)

    def placeholders(self) -> str:
        """Return the placeholders the kind's texts may use, as they are typed."""
        return ", ".join("{" + name + "}" for name in PLACEHOLDERS.get(self.kind, ()))
