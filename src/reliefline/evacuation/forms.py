"""Forms of the evacuation pages: they parse input; the rules stay in the services."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from reliefline.evacuation.models import CorridorStatus, Direction, ManifestKind, PartyRole
from reliefline.forms import DateTimeField
from reliefline.people.models import Language
from reliefline.places.times import on_hotline_clock


class CorridorForm(forms.Form):
    name = forms.CharField(label=pgettext_lazy("of a thing", "Name"), max_length=120)
    direction = forms.ChoiceField(label=_("Direction"), choices=Direction.choices)
    assembly = forms.CharField(label=_("Assembly point (settlement id)"), max_length=64)
    waypoint = forms.CharField(label=_("Waypoint (optional)"), max_length=64, required=False)
    reception = forms.CharField(label=_("Reception point (settlement id)"), max_length=64)
    starts_at = DateTimeField(
        label=on_hotline_clock(_("Window opens")),
    )
    ends_at = DateTimeField(
        label=on_hotline_clock(_("Window closes")),
    )
    guarantor = forms.CharField(label=_("Guarantor"), max_length=120, required=False)
    party_role = forms.ChoiceField(
        label=_("Role"), choices=PartyRole.choices, initial=PartyRole.GUARANTOR
    )


class TransitionForm(forms.Form):
    to = forms.ChoiceField(label=_("New status"), choices=CorridorStatus.choices)
    note = forms.CharField(label=_("Note"), max_length=500, required=False)


class ConvoyForm(forms.Form):
    window = forms.IntegerField(label=_("Window"), min_value=1)
    name = forms.CharField(label=pgettext_lazy("of a thing", "Name"), max_length=120)
    departure_at = DateTimeField(
        label=on_hotline_clock(_("Departure")),
    )
    assembly_point = forms.CharField(label=_("Assembly point"), max_length=64)


class RescheduleForm(forms.Form):
    departure_at = DateTimeField(
        label=on_hotline_clock(_("New departure")),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )


class VehicleForm(forms.Form):
    label = forms.CharField(label=_("Vehicle"), max_length=60)
    seats = forms.IntegerField(label=_("Seats"), min_value=0, max_value=120, initial=0)
    wheelchair_places = forms.IntegerField(
        label=_("Wheelchair places"), min_value=0, max_value=20, initial=0
    )
    stretcher_places = forms.IntegerField(
        label=_("Stretcher places"), min_value=0, max_value=20, initial=0
    )
    has_medic = forms.BooleanField(label=_("A medic travels with it"), required=False)


class PlaceForm(forms.Form):
    request = forms.IntegerField(min_value=1)
    vehicle = forms.IntegerField(min_value=1)


class UnplaceForm(forms.Form):
    request = forms.IntegerField(min_value=1)


class ManifestForm(forms.Form):
    kind = forms.ChoiceField(label=_("Manifest"), choices=ManifestKind.choices)
    language = forms.ChoiceField(label=_("Language"), choices=Language.choices)
    recipient = forms.CharField(label=_("Handed to"), max_length=200)
    format = forms.ChoiceField(
        label=_("Format"),
        choices=[("html", _("Printable page")), ("pdf", _("PDF file")), ("csv", "CSV")],
    )


class MarkForm(forms.Form):
    to = forms.ChoiceField(
        choices=[("boarded", _("Boarded")), ("no_show", _("No-show")), ("arrived", _("Arrived"))]
    )


class CodeForm(forms.Form):
    """A manifest code typed, pasted, sent by a hardware scanner or read by the camera."""

    code = forms.CharField(
        label=_("Boarding code"),
        max_length=40,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "autocapitalize": "characters",
                "spellcheck": "false",
                "autofocus": True,
            }
        ),
    )
    to = forms.ChoiceField(
        label=_("Mark as"),
        choices=[("boarded", _("Boarded")), ("arrived", _("Arrived"))],
        initial="boarded",
    )
