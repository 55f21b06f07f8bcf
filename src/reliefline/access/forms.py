from django import forms
from django.utils.translation import gettext_lazy as _


class AuditFilterForm(forms.Form):
    person = forms.IntegerField(label=_("Person ID"), required=False, min_value=1)
    user = forms.CharField(label=_("User"), required=False, max_length=150)
    since = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
