from django import forms
from django.utils.translation import gettext_lazy as _

from reliefline.forms import DateField


class AuditFilterForm(forms.Form):
    person = forms.IntegerField(label=_("Person ID"), required=False, min_value=1)
    user = forms.CharField(label=_("User"), required=False, max_length=150)
    since = DateField(label=_("From"), required=False)
    until = DateField(label=_("Until"), required=False)


class TokenForm(forms.Form):
    token = forms.CharField(
        label=_("Code from your authenticator app"),
        min_length=6,
        max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )
