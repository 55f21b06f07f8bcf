from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from reliefline.access.fields import EncryptedJSONField, EncryptedTextField
from reliefline.hotline.timeline import note_render
from reliefline.people.models import Language


class Channel(models.TextChoices):
    PHONE = "phone", _("Phone call")
    SMS = "sms", _("SMS")
    WHATSAPP = "whatsapp", _("WhatsApp")
    TELEGRAM = "telegram", _("Telegram")
    WEB = "web", _("Web form")
    WALK_IN = "walk_in", _("Walk-in")
    RAPIDPRO = "rapidpro", _("RapidPro")
    KOBO = "kobo", _("KoboToolbox")


class Status(models.TextChoices):
    NEW = "new", _("New")
    TRIAGED = "triaged", _("Triaged")
    ASSIGNED = "assigned", _("Assigned")
    IN_PROGRESS = "in_progress", _("In progress")
    CANNOT_REACH = "cannot_reach", _("Cannot reach")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


OPEN_STATUSES = (
    Status.NEW,
    Status.TRIAGED,
    Status.ASSIGNED,
    Status.IN_PROGRESS,
    Status.CANNOT_REACH,
)


class NeedType(models.TextChoices):
    EVACUATION = "evacuation", _("Evacuation")
    WATER = "water", _("Water")
    FOOD = "food", _("Food")
    MEDICINE = "medicine", _("Medicine")
    MEDICAL_CARE = "medical_care", _("Medical care")
    SHELTER = "shelter", _("Shelter")
    TRACING = "tracing", _("Tracing")
    INFORMATION = "information", _("Information")
    PROTECTION = "protection", _("Protection")


class Vulnerability(models.TextChoices):
    WHEELCHAIR = "wheelchair", _("Uses a wheelchair")
    BEDRIDDEN = "bedridden", _("Bedridden")
    PREGNANT = "pregnant", _("Pregnant")
    INFANT_UNDER_2 = "infant_under_2", _("Infant under 2")
    CHILD_UNDER_5 = "child_under_5", _("Child under 5")
    ELDERLY_75_PLUS = "elderly_75_plus", _("Elderly, 75 or older")
    CHRONIC_ILLNESS = "chronic_illness", _("Chronic illness")
    DISABILITY = "disability", _("Disability")
    UNACCOMPANIED_CHILD = "unaccompanied_child", _("Unaccompanied child")


class Band(models.TextChoices):
    CRITICAL = "critical", _("Critical")
    HIGH = "high", _("High")
    MEDIUM = "medium", _("Medium")
    LOW = "low", _("Low")


class Case(models.Model):
    """One request for help, from first contact to closure."""

    # NULL only inside case_open's transaction, between the insert and the RL-number.
    reference = models.CharField(max_length=16, unique=True, null=True, editable=False)  # noqa: DJ001
    channel = models.CharField(max_length=16, choices=Channel.choices)
    language = models.CharField(max_length=2, choices=Language.choices)
    caller = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="cases"
    )
    household = models.ForeignKey(
        "people.Household", null=True, blank=True, on_delete=models.PROTECT, related_name="cases"
    )
    household_size = models.PositiveSmallIntegerField(default=1)
    settlement = models.ForeignKey(
        "places.Place", null=True, blank=True, on_delete=models.PROTECT, related_name="cases"
    )
    vulnerabilities = models.JSONField(default=list, blank=True)
    # The resident's own words may reveal health or whereabouts: encrypted at rest.
    message = EncryptedTextField(blank=True, default="")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.NEW)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_cases",
    )
    priority = models.PositiveSmallIntegerField(default=0)
    band = models.CharField(max_length=8, choices=Band.choices, default=Band.LOW)
    priority_reasons = models.JSONField(default=list, blank=True)
    due_at = models.DateTimeField(help_text=_("When the SLA of the priority band runs out."))
    callback_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    closed_at = models.DateTimeField(null=True, blank=True, db_index=True)
    purged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        permissions = [
            ("view_all_cases", _("Can see cases in every settlement")),
            ("view_dashboard", _("Can see the coordinator dashboard")),
            ("assign_case", _("Can assign cases to operators")),
            ("export_subject", _("Can export everything held about a person")),
        ]
        indexes = [
            # The queue: open cases by priority, then the longest waiting first. Partial,
            # so the first page is read in index order without sorting every open case.
            models.Index(
                fields=["-priority", "created_at", "id"],
                name="case_open_queue_idx",
                condition=models.Q(
                    status__in=["new", "triaged", "assigned", "in_progress", "cannot_reach"]
                ),
            ),
            models.Index(
                fields=["status", "-priority", "created_at", "id"], name="case_status_queue_idx"
            ),
            models.Index(fields=["-priority", "created_at", "id"], name="case_priority_idx"),
            models.Index(fields=["settlement", "status"], name="case_settlement_idx"),
            # Callbacks due (the queue's filter): few cases have one, so a partial index
            # finds them among a million without reading the others.
            models.Index(
                fields=["callback_at"],
                name="case_callback_idx",
                condition=models.Q(callback_at__isnull=False),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(priority__lte=100), name="case_priority_at_most_100"
            ),
            models.CheckConstraint(
                condition=models.Q(household_size__gte=1, household_size__lte=50),
                name="case_household_size_sane",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=[s.value for s in Status]), name="case_status_known"
            ),
        ]

    def __str__(self) -> str:
        return self.reference or "RL-new"


class Need(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="needs")
    type = models.CharField(max_length=16, choices=NeedType.choices)
    item = models.CharField(max_length=100, blank=True, default="")
    quantity = models.PositiveIntegerField(null=True, blank=True)
    # May hold medical or protection details: encrypted at rest.
    note = EncryptedTextField(blank=True, default="")
    fulfilled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("need")
        verbose_name_plural = _("needs")
        indexes = [models.Index(fields=["type", "case"], name="need_type_idx")]

    def __str__(self) -> str:
        return f"{self.get_type_display()} {self.item}".strip()


class EventKind(models.TextChoices):
    CREATED = "created", _("Case opened")
    STATUS = "status", _("Status changed")
    NOTE = "note", _("Note")
    CALL = "call", _("Call attempt")
    CALLBACK = "callback", _("Callback scheduled")
    ASSIGNED = "assigned", _("Assigned")
    MESSAGE = "message", _("Message received")


class CallOutcome(models.TextChoices):
    REACHED = "reached", _("Reached")
    NO_ANSWER = "no_answer", _("No answer")
    BUSY = "busy", _("Busy")
    VOICEMAIL = "voicemail", _("Voicemail")
    WRONG_NUMBER = "wrong_number", _("Wrong number")
    NO_NETWORK = "no_network", _("No network")


class CaseEvent(models.Model):
    """One entry of a case's timeline; events are only ever appended.

    `text` is what a person wrote (a resident's message, an operator's note), shown as
    written. A note reliefline writes itself has `msgid` and `params` instead, and is
    translated when read (see hotline.timeline): display_text gives either.
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=16, choices=EventKind.choices)
    from_status = models.CharField(max_length=16, choices=Status.choices, blank=True, default="")
    to_status = models.CharField(max_length=16, choices=Status.choices, blank=True, default="")
    outcome = models.CharField(max_length=16, choices=CallOutcome.choices, blank=True, default="")
    text = EncryptedTextField(blank=True, default="")
    msgid = models.TextField(blank=True, default="")
    # A notice's text or a sender's error may name a person or a place: encrypted at rest.
    params = EncryptedJSONField(blank=True, default=dict)
    due_at = models.DateTimeField(null=True, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(text="") | models.Q(msgid=""), name="caseevent_text_or_msgid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case} {self.kind} {self.at:%Y-%m-%d %H:%M}"

    @property
    def display_text(self) -> str:
        """Return the event's text as the reader sees it, in the active language."""
        if self.msgid:
            return note_render(self.msgid, self.params)
        return str(self.text)


# The legal moves of the case workflow; anything else is refused with a 409.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    Status.NEW: (Status.TRIAGED, Status.CANNOT_REACH, Status.CLOSED),
    Status.TRIAGED: (Status.ASSIGNED, Status.CANNOT_REACH),
    Status.ASSIGNED: (Status.IN_PROGRESS, Status.TRIAGED, Status.CANNOT_REACH),
    Status.IN_PROGRESS: (Status.RESOLVED, Status.CANNOT_REACH),
    Status.CANNOT_REACH: (Status.TRIAGED, Status.ASSIGNED, Status.IN_PROGRESS, Status.CLOSED),
    Status.RESOLVED: (Status.CLOSED, Status.IN_PROGRESS),
    Status.CLOSED: (),
}
