"""Forms of the evacuation pages: they parse input; the rules stay in the services."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django import forms
from django.forms import BoundField
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from reliefline.errors import ReliefError
from reliefline.evacuation.models import (
    CorridorStatus,
    Direction,
    EvacuationRequest,
    ManifestKind,
    Mobility,
    PartyRole,
)
from reliefline.evacuation.services import MemberInput
from reliefline.forms import DateTimeField, form_error_add
from reliefline.people.models import ConsentMethod, Language, Person
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


class RequestForm(forms.Form):
    """Who of the case's household goes, toward which side: one row of fields a member.

    The fields of member 12 are going_12, refuses_12, mobility_12, medic_12 and
    consent_12. A refusal of the service comes back at the member's row it names
    (refusal_add), what was typed kept.
    """

    direction = forms.ChoiceField(
        label=_("Toward"), choices=Direction.choices, widget=forms.RadioSelect
    )

    def __init__(
        self,
        data: Mapping[str, Any] | None = None,
        *,
        household: Sequence[Person],
        initial: dict[str, Any] | None = None,
        auto_id: str = "id_%s",
    ) -> None:
        super().__init__(data, initial=initial, auto_id=auto_id)
        self.household = list(household)
        # Refusals about who is on the request as a whole ("Nobody on the request goes."),
        # shown above the table of members.
        self.members_errors: list[str] = []
        for person in self.household:
            pk = person.pk
            self.fields[f"going_{pk}"] = _checkbox(_("Goes"))
            self.fields[f"refuses_{pk}"] = _checkbox(_("Refuses"))
            self.fields[f"mobility_{pk}"] = forms.ChoiceField(
                label=_("Mobility"),
                choices=Mobility.choices,
                required=False,
                initial=Mobility.WALKING,
                widget=forms.Select(attrs={"aria-label": _("Mobility")}),
            )
            self.fields[f"medic_{pk}"] = _checkbox(_("Needs a medic"))
            self.fields[f"consent_{pk}"] = forms.ChoiceField(
                label=_("Consent given"),
                choices=ConsentMethod.choices,
                required=False,
                widget=forms.Select(attrs={"aria-label": _("Consent given")}),
            )

    def clean(self) -> dict[str, Any]:
        """Refuse a member ticked as both going and refusing: which one they said is unknown."""
        data = super().clean() or {}
        for person in self.household:
            if data.get(f"going_{person.pk}") and data.get(f"refuses_{person.pk}"):
                self.add_error(
                    f"going_{person.pk}",
                    _("Tick either Goes or Refuses for this person, not both."),
                )
        return data

    def ticked(self) -> list[Person]:
        """Return the members ticked as going or refusing, in the household's order."""
        data = self.cleaned_data
        return [
            p for p in self.household if data.get(f"going_{p.pk}") or data.get(f"refuses_{p.pk}")
        ]

    def members(self) -> list[MemberInput]:
        """Return the request's members as the service takes them (a valid form only)."""
        data = self.cleaned_data
        return [
            MemberInput(
                going=bool(data.get(f"going_{p.pk}")),
                consent_method=data.get(f"consent_{p.pk}") or "",
                person_id=p.pk,
                mobility=data.get(f"mobility_{p.pk}") or Mobility.WALKING,
                needs_medic=bool(data.get(f"medic_{p.pk}")),
            )
            for p in self.ticked()
        ]

    def refusal_add(self, error: ReliefError) -> None:
        """Attach the service's refusal to the member's row it names, or where it belongs.

        The service counts members as they were sent (`members[1].consent_method` is the
        second person ticked), so the index is turned back into the person's fields.
        """
        if error.field == "members":
            self.members_errors.append(error.message)
            return
        fields: dict[str, str] = {}
        for i, person in enumerate(self.ticked()):
            fields[f"members[{i}]"] = f"going_{person.pk}"
            fields[f"members[{i}].person_id"] = f"going_{person.pk}"
            fields[f"members[{i}].mobility"] = f"mobility_{person.pk}"
            fields[f"members[{i}].consent_method"] = f"consent_{person.pk}"
        form_error_add(self, error, fields=fields)

    def rows(self) -> list["MemberRow"]:
        """Return one row a member: the person, their fields and the errors at the row."""
        rows = []
        for person in self.household:
            names = [
                f"{n}_{person.pk}" for n in ("going", "refuses", "mobility", "medic", "consent")
            ]
            going, refuses, mobility, medic, consent = (self[name] for name in names)
            errors = [str(e) for name in names for e in self.errors.get(name, [])]
            rows.append(MemberRow(person, going, refuses, mobility, medic, consent, errors))
        return rows


@dataclass(frozen=True)
class MemberRow:
    person: Person
    going: BoundField
    refuses: BoundField
    mobility: BoundField
    medic: BoundField
    consent: BoundField
    errors: list[str]


def _checkbox(label: Any) -> forms.BooleanField:
    return forms.BooleanField(
        label=label, required=False, widget=forms.CheckboxInput(attrs={"aria-label": label})
    )


def request_initial(request: EvacuationRequest) -> dict[str, Any]:
    """Return the request form filled in with a request's answers, to correct them."""
    initial: dict[str, Any] = {"direction": request.direction}
    for member in request.members.all():
        pk = member.person_id
        initial[f"going_{pk}"] = member.going
        initial[f"refuses_{pk}"] = not member.going
        initial[f"mobility_{pk}"] = member.mobility
        initial[f"medic_{pk}"] = member.needs_medic
        initial[f"consent_{pk}"] = member.consent_method
    return initial


class AmendForm(RequestForm):
    """The request form filled in with an open request's answers, to amend it in place.

    Its fields have ids of their own (amend_…): the cancel form beside it has a reason too.
    """

    reason = forms.CharField(
        label=_("Why is it amended? (optional)"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Recorded on the case's timeline, with what changed."),
    )

    def __init__(
        self,
        data: Mapping[str, Any] | None = None,
        *,
        household: Sequence[Person],
        request: EvacuationRequest | None = None,
    ) -> None:
        initial = request_initial(request) if request is not None else None
        super().__init__(data, household=household, initial=initial, auto_id="amend_%s")


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is the request cancelled?"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "Recorded on the case's timeline. The household leaves the waiting list until "
            "a corrected request is recorded."
        ),
    )
