"""Forms of the operator console: they parse what was typed; the rules stay in services."""

from typing import Any

from django import forms
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from reliefline.forms import DateTimeField
from reliefline.hotline.models import (
    Band,
    CallOutcome,
    Case,
    Channel,
    NeedType,
    Status,
    Vulnerability,
)
from reliefline.hotline.selectors import QueueFilters
from reliefline.hotline.services import (
    CaseInput,
    NeedInput,
    NeedsCorrection,
    callback_after,
    consent_method_for,
)
from reliefline.people.models import ConsentMethod, Language, LegalBasis
from reliefline.people.services import PersonInput
from reliefline.places.times import on_hotline_clock
from reliefline.widgets import DateInput

ANY = ("", _("Any"))
NEW_PERSON = "new"
# The choice of a new person in a known household: "household-<id>".
IN_HOUSEHOLD = "household-"


class QueueFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("open", _("Open")), ("all", _("All")), *Status.choices],
    )
    band = forms.ChoiceField(label=_("Priority"), required=False, choices=[ANY, *Band.choices])
    settlement = forms.CharField(label=_("Settlement"), required=False, max_length=64)
    language = forms.ChoiceField(
        label=_("Language"), required=False, choices=[ANY, *Language.choices]
    )
    assignee = forms.ChoiceField(label=_("Assignee"), required=False)
    need = forms.ChoiceField(label=_("Need"), required=False, choices=[ANY, *NeedType.choices])
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
    callback_due = forms.BooleanField(label=_("Callbacks due only"), required=False)
    cursor = forms.CharField(required=False, max_length=200, widget=forms.HiddenInput)

    def __init__(self, *args: Any, assignees: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["assignee"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [
            ANY,
            ("me", _("Me")),
            ("none", _("Nobody")),
            *((name, name) for name in assignees),
        ]

    def filters(self, *, username: str) -> QueueFilters:
        """Return the queue filters; anything unparseable falls back to the default."""
        data = self.cleaned_data if self.is_valid() else {}
        assignee = data.get("assignee", "")
        return QueueFilters(
            status=data.get("status") or "open",
            band=data.get("band", ""),
            settlement=data.get("settlement", ""),
            language=data.get("language", ""),
            assignee=username if assignee == "me" else assignee,
            need=data.get("need", ""),
            overdue=bool(data.get("overdue")),
            callback_due=bool(data.get("callback_due")),
        )


class NeedRowsForm(forms.Form):
    """A form whose `needs` (a checkbox per need type) come with item, quantity and note
    fields per type, and the vulnerabilities: the new-call form and the case page's
    correction show them alike."""

    vulnerabilities = forms.MultipleChoiceField(
        label=_("Vulnerabilities"),
        required=False,
        choices=Vulnerability.choices,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for need in NeedType:
            self.fields[f"item_{need.value}"] = forms.CharField(
                label=_("Item"), required=False, max_length=200
            )
            self.fields[f"quantity_{need.value}"] = forms.IntegerField(
                label=_("Quantity"), required=False, min_value=1
            )
            self.fields[f"note_{need.value}"] = forms.CharField(
                label=_("Note"), required=False, max_length=4000
            )

    def need_rows(self) -> list[dict[str, Any]]:
        """Return one row per need type: its checkbox state and its three bound fields."""
        chosen = self["needs"].value() or []
        return [
            {
                "type": need.value,
                "label": need.label,
                "checked": need.value in chosen,
                "item": self[f"item_{need.value}"],
                "quantity": self[f"quantity_{need.value}"],
                "note": self[f"note_{need.value}"],
            }
            for need in NeedType
        ]

    def need_inputs(self) -> list[NeedInput]:
        """Return the needs ticked, for the service (call after is_valid())."""
        data = self.cleaned_data
        return [
            NeedInput(
                type=need,
                item=data.get(f"item_{need}") or "",
                quantity=data.get(f"quantity_{need}"),
                note=data.get(f"note_{need}") or "",
            )
            for need in self._chosen_needs()
        ]

    def _chosen_needs(self) -> list[str]:
        chosen = set(self.cleaned_data.get("needs") or [])
        return [need.value for need in NeedType if need.value in chosen]

    def need_field_for(self, service_field: str) -> str | None:
        """Return the form field a service error about needs or vulnerabilities names
        ("needs[0].item" -> "item_water"), or None for another field."""
        if service_field.startswith("vulnerabilities"):
            return "vulnerabilities"
        if not service_field.startswith("needs"):
            return None
        index, _sep, part = service_field[len("needs[") :].partition("].")
        chosen = self._chosen_needs()
        if index.isdigit() and int(index) < len(chosen) and part in ("item", "quantity", "note"):
            return f"{part}_{chosen[int(index)]}"
        return "needs"


class NewCaseForm(NeedRowsForm):
    """A call or message as the operator types it; per need type: item, quantity, note."""

    phone = forms.CharField(label=_("Phone"), required=False, max_length=40)
    given_name = forms.CharField(label=_("Given name"), required=False, max_length=200)
    patronymic = forms.CharField(label=_("Patronymic"), required=False, max_length=200)
    family_name = forms.CharField(label=_("Family name"), required=False, max_length=200)
    # The service's check says "impossible birth date" for a year our DateField refuses.
    birth_date = forms.DateField(label=_("Birth date"), required=False, widget=DateInput())
    # A known caller's id, NEW_PERSON when the operator chose to register another
    # person, IN_HOUSEHOLD and a household's id for another person of that household,
    # or empty when no choice was made (see `new_case`).
    person_id = forms.CharField(required=False, max_length=20)
    legal_basis = forms.ChoiceField(
        label=_("Legal basis"),
        choices=LegalBasis.choices,
        initial=LegalBasis.CONSENT,
        required=False,
    )
    consent_method = forms.ChoiceField(
        label=_("How consent was given"),
        choices=[("", _("As the channel implies")), *ConsentMethod.choices],
        required=False,
    )
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices, initial=Channel.PHONE)
    language = forms.ChoiceField(label=_("Language of the caller"), choices=Language.choices)
    settlement = forms.CharField(label=_("Settlement"), required=False, max_length=64)
    # Empty, not 1, by default: an empty size keeps a known caller's household as it
    # is (1 for a new one); a default of 1 sent unchanged shrank the household of a
    # repeat caller whose other members were not registered yet.
    household_size = forms.IntegerField(
        label=_("Household size"),
        required=False,
        min_value=1,
        max_value=50,
        help_text=_("Leave empty to keep a known caller's household as it is."),
    )
    needs = forms.MultipleChoiceField(
        label=_("Needs"),
        required=False,
        choices=NeedType.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    message = forms.CharField(
        label=_("Message in the caller's words"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def clean_person_id(self) -> int | str | None:
        value = (self.cleaned_data.get("person_id") or "").strip()
        if not value:
            return None
        if value == NEW_PERSON:
            return NEW_PERSON
        number = value.removeprefix(IN_HOUSEHOLD)
        if not number.isdigit() or not 0 < int(number) < 2**63:
            raise forms.ValidationError(_("Choose a known caller or a new person."))
        return value if number != value else int(value)

    def household_chosen(self) -> int | None:
        """Return the known household the operator put the new caller in, if any."""
        chosen = self.cleaned_data.get("person_id")
        if isinstance(chosen, str) and chosen.startswith(IN_HOUSEHOLD):
            return int(chosen.removeprefix(IN_HOUSEHOLD))
        return None

    def caller_chosen(self) -> bool:
        """Return whether the operator chose the caller: a known one, or a new person."""
        return self.cleaned_data.get("person_id") is not None

    def case_input(self) -> CaseInput:
        """Return the service's input from the cleaned data (call after is_valid())."""
        data = self.cleaned_data
        needs = self.need_inputs()
        chosen = data.get("person_id")
        person_id = chosen if isinstance(chosen, int) else None
        caller = None
        if person_id is None:
            caller = PersonInput(
                given_name=data["given_name"],
                family_name=data["family_name"],
                patronymic=data["patronymic"],
                birth_date=data.get("birth_date"),
                phone=data["phone"],
                preferred_language=data["language"],
                legal_basis=data.get("legal_basis") or LegalBasis.CONSENT,
                consent_method=data.get("consent_method") or consent_method_for(data["channel"]),
            )
        return CaseInput(
            channel=data["channel"],
            language=data["language"],
            caller=caller,
            person_id=person_id,
            settlement_id=data.get("settlement") or None,
            household_size=data.get("household_size"),
            needs=needs,
            vulnerabilities=data.get("vulnerabilities") or [],
            message=data.get("message") or "",
            caller_phone=data["phone"] if person_id is not None else "",
            household_id=self.household_chosen(),
        )

    def field_for(self, service_field: str | None) -> str | None:
        """Return the form field a service error names ("caller.phone" -> "phone")."""
        if not service_field:
            return None
        if (need := self.need_field_for(service_field)) is not None:
            return need
        if service_field == "household_id":
            return "person_id"
        name = service_field.removeprefix("caller.").removeprefix("caller")
        if name == "preferred_language":
            return "language"
        if name == "":
            return "phone"
        return name if name in self.fields else None


class PersonNameForm(forms.Form):
    """A caller's or household member's names and birth date, as the caller gives them."""

    given_name = forms.CharField(label=_("Given name"), required=False, max_length=200)
    patronymic = forms.CharField(label=_("Patronymic"), required=False, max_length=200)
    family_name = forms.CharField(label=_("Family name"), required=False, max_length=200)
    # The service's check says "impossible birth date" for a year our DateField refuses.
    birth_date = forms.DateField(label=_("Birth date"), required=False, widget=DateInput())

    def person_input(self) -> PersonInput:
        """Return the names for the service (call after is_valid())."""
        data = self.cleaned_data
        return PersonInput(
            given_name=data["given_name"],
            patronymic=data["patronymic"],
            family_name=data["family_name"],
            birth_date=data.get("birth_date"),
        )


class TransitionForm(forms.Form):
    to = forms.ChoiceField(choices=Status.choices)
    note = forms.CharField(required=False, max_length=4000)


class NoteForm(forms.Form):
    text = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}))


class CallAttemptForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=CallOutcome.choices)
    note = forms.CharField(label=_("Note"), required=False)


class CallbackForm(forms.Form):
    """A callback at a time typed, or one tap for the usual delays.

    The delays count on the server's clock: an operator's computer or phone with the
    wrong time or time zone cannot put a callback hours off.
    """

    at = DateTimeField(
        label=on_hotline_clock(_("Call back at")),
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    after = forms.ChoiceField(label=_("Or call back"), required=False)
    note = forms.CharField(label=_("Note"), required=False)
    # Ticked for a case that came by message (hotline.notices.callback_notify_default).
    tell = forms.BooleanField(label=_("Tell the caller the time by message"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        morning = callback_after("morning", now=timezone.now())
        field = self.fields["after"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [
            ("30", _("in 30 minutes")),
            ("60", _("in 1 hour")),
            ("180", _("in 3 hours")),
            # Its day, as the queue's callbacks say it: "Sat 09:00".
            ("morning", formats.date_format(timezone.localtime(morning), "D H:i")),
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("after"):
            data["at"] = callback_after(data["after"], now=timezone.now())
        elif data.get("at") is None and "at" not in self.errors:
            self.add_error("at", _("Give the time to call back, or choose one of the delays."))
        return data


class AssignForm(forms.Form):
    to = forms.ChoiceField(label=_("Assign to"))

    def __init__(self, *args: Any, assignees: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["to"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(name, name) for name in assignees]


class NeedsForm(NeedRowsForm):
    """The case page's correction of what a message or a first call recorded.

    `version` is the case as the form showed it (services.case_needs_version). An empty
    household size or settlement keeps the case's.
    """

    version = forms.CharField(widget=forms.HiddenInput, max_length=64)
    needs = forms.MultipleChoiceField(
        label=_("Open needs"),
        required=False,
        choices=NeedType.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    household_size = forms.IntegerField(
        label=_("Household size"), required=False, min_value=1, max_value=50
    )
    settlement = forms.CharField(label=_("Settlement"), required=False, max_length=64)

    @classmethod
    def of_case(cls, case: Case, *, version: str) -> "NeedsForm":
        """Return the form showing the case as it is: its open needs ticked and filled in."""
        initial: dict[str, Any] = {
            "version": version,
            "needs": [],
            "vulnerabilities": list(case.vulnerabilities),
            "household_size": case.household_size,
            "settlement": case.settlement_id or "",
        }
        for need in case.needs.all():
            if need.fulfilled_at is None:
                initial["needs"].append(need.type)
                initial[f"item_{need.type}"] = need.item
                initial[f"quantity_{need.type}"] = need.quantity
                initial[f"note_{need.type}"] = need.note
        return cls(initial=initial)

    def correction(self) -> NeedsCorrection:
        """Return the service's input from the cleaned data (call after is_valid())."""
        data = self.cleaned_data
        return NeedsCorrection(
            needs=self.need_inputs(),
            vulnerabilities=data.get("vulnerabilities") or [],
            household_size=data.get("household_size"),
            settlement_id=data.get("settlement") or None,
        )

    def field_for(self, service_field: str | None) -> str | None:
        """Return the form field a service error names ("needs[0].note" -> "note_water")."""
        if not service_field:
            return None
        if (need := self.need_field_for(service_field)) is not None:
            return need
        return service_field if service_field in ("household_size", "settlement") else None
