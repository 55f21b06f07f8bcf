"""Forms of the 3W pages: they parse input; the rules stay in the services."""

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from reliefline.forms import DateField
from reliefline.partners.models import Organisation, Sector
from reliefline.partners.services import DESCRIPTION_MAX, PEOPLE_MAX, ActivityInput

ANY = ("", _("Any"))


class ActivityFilterForm(forms.Form):
    organisation = forms.ChoiceField(label=_("Organisation"), required=False)
    sector = forms.ChoiceField(label=_("Sector"), required=False, choices=[ANY, *Sector.choices])
    settlement = forms.CharField(label=_("Settlement"), required=False, max_length=64)
    active_from = DateField(label=_("Active from"), required=False)
    active_until = DateField(label=_("Active until"), required=False)

    def __init__(self, *args: Any, organisations: list[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["organisation"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [ANY, *((o.name, str(o)) for o in organisations)]

    def filters(self) -> dict[str, Any]:
        """Return the filters for activities_of; a field that does not parse is left out."""
        self.is_valid()
        return {name: self.cleaned_data[name] for name in self.fields if name in self.cleaned_data}


class ActivityForm(forms.Form):
    organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.none(), label=_("Organisation"), empty_label="—"
    )
    sector = forms.ChoiceField(label=_("Sector"), choices=Sector.choices)
    description = forms.CharField(label=_("Activity"), max_length=DESCRIPTION_MAX)
    settlement = forms.CharField(label=_("Settlement"), max_length=64, widget=forms.HiddenInput)
    starts_on = DateField(label=_("Starts on"))
    ends_on = DateField(label=_("Ends on"))
    targeted = forms.IntegerField(label=_("People targeted"), min_value=0, max_value=PEOPLE_MAX)
    reached = forms.IntegerField(
        label=_("People reached"), min_value=0, max_value=PEOPLE_MAX, initial=0
    )

    def __init__(self, *args: Any, organisations: list[Organisation], **kwargs: Any) -> None:
        """Offer only the organisations the user reports for (for a partner, its own)."""
        super().__init__(*args, **kwargs)
        field = self.fields["organisation"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Organisation.objects.filter(pk__in=[o.pk for o in organisations])
        if len(organisations) == 1 and not self.is_bound:
            self.initial.setdefault("organisation", organisations[0].pk)
        # The reporter types the figures; readers of other organisations see small ones
        # hidden (partners.selectors.activity_figures), and the reporter should know.
        self.fields["reached"].help_text = _(
            "Numbers of people below %(n)s are shown only to the organisation that reported"
            " them and to the operation's staff, so that nobody can be singled out."
        ) % {"n": settings.RELIEFLINE_SMALL_CELL}

    def to_input(self) -> ActivityInput:
        data = self.cleaned_data
        return ActivityInput(
            organisation_id=data["organisation"].pk,
            sector=data["sector"],
            description=data["description"],
            settlement=data["settlement"],
            starts_on=data["starts_on"],
            ends_on=data["ends_on"],
            targeted=data["targeted"],
            reached=data["reached"],
        )
