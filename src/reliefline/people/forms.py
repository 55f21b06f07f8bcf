"""Forms of people's pages: they parse what was sent; the rules stay in the services."""

from django import forms
from django.utils.translation import gettext_lazy as _

from reliefline.people.models import ConsentMethod, LegalBasis


class ImportForm(forms.Form):
    """A registry file to import, and on what basis reliefline may hold its persons."""

    file = forms.FileField(
        label=_("Registry file (CSV, UTF-8)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )
    legal_basis = forms.ChoiceField(
        label=_("Legal basis"), choices=LegalBasis.choices, initial=LegalBasis.PUBLIC_INTEREST
    )
    consent_method = forms.ChoiceField(
        label=_("How the source registry obtained consent"),
        choices=ConsentMethod.choices,
        initial=ConsentMethod.NOT_OBTAINED,
    )
