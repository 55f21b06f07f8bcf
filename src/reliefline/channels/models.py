"""Inbound messages from real senders and outbound notices to residents."""

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from reliefline.access.crypto import blind_index
from reliefline.access.fields import EncryptedTextField
from reliefline.people.models import Language


class Sender(models.TextChoices):
    """Who delivered an inbound message to reliefline (the webhook it came through)."""

    TWILIO = "twilio", _("Twilio (SMS, WhatsApp)")
    TELEGRAM = "telegram", _("Telegram")
    RAPIDPRO = "rapidpro", _("RapidPro / TextIt")
    KOBO = "kobo", _("KoboToolbox")
    WEB = "web", _("Web form")


class Medium(models.TextChoices):
    """Where a notice can reach a person (the values match hotline.models.Channel)."""

    SMS = "sms", _("SMS")
    WHATSAPP = "whatsapp", _("WhatsApp")
    TELEGRAM = "telegram", _("Telegram")


class Contact(models.Model):
    """An address at which a person can be reached, learnt from their own messages.

    The address (phone number or Telegram chat id) is encrypted; address_index is its
    keyed blind index, so the next message from the same address finds the person.
    """

    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="contacts")
    medium = models.CharField(max_length=16, choices=Medium.choices)
    address = EncryptedTextField()
    address_index = models.CharField(max_length=64, editable=False)
    # The language of the person's last message on this address: answers follow it.
    language = models.CharField(max_length=2, choices=Language.choices, blank=True, default="")
    last_inbound_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("contact address")
        verbose_name_plural = _("contact addresses")
        constraints = [
            models.UniqueConstraint(
                fields=["person", "medium", "address_index"], name="contact_once_per_person"
            ),
        ]
        indexes = [models.Index(fields=["medium", "address_index"], name="contact_lookup_idx")]

    def __str__(self) -> str:
        return f"{self.get_medium_display()} #{self.pk}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # The index follows the address on every save, so no path leaves it stale.
        self.address_index = blind_index(self.address)
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "address_index"}
        super().save(*args, **kwargs)


class InboundMessage(models.Model):
    """One message a sender delivered; its sender's id makes a retried delivery a no-op."""

    sender = models.CharField(max_length=16, choices=Sender.choices)
    # MessageSid, update_id, run uuid + step uuid, Kobo _uuid, or the web form's token.
    external_id = models.CharField(max_length=200)
    case = models.ForeignKey(
        "hotline.Case", null=True, blank=True, on_delete=models.CASCADE, related_name="inbound"
    )
    event = models.ForeignKey(
        "hotline.CaseEvent", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    person = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    language = models.CharField(max_length=2, choices=Language.choices, blank=True, default="")
    # What the text understanding found, for the operator to confirm.
    detected = models.JSONField(default=dict, blank=True)
    opened_case = models.BooleanField(default=False)
    received_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("inbound message")
        verbose_name_plural = _("inbound messages")
        constraints = [
            models.UniqueConstraint(
                fields=["sender", "external_id"], name="inbound_once_per_sender_id"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sender}:{self.external_id}"


class NoticeKind(models.TextChoices):
    ACKNOWLEDGEMENT = "acknowledgement", _("Acknowledgement with case reference")
    CALLBACK_SCHEDULED = "callback_scheduled", _("Callback scheduled")
    EVACUATION_ALLOCATED = "evacuation_allocated", _("Evacuation seat allocated")
    EVACUATION_RESCHEDULED = "evacuation_rescheduled", _("Evacuation departure moved")
    CORRIDOR_OPENED = "corridor_opened", _("Corridor opened")
    CORRIDOR_SUSPENDED = "corridor_suspended", _("Corridor suspended")
    CORRIDOR_CLOSED = "corridor_closed", _("Corridor closed, evacuation cancelled")
    AID_DISTRIBUTION = "aid_distribution", _("Aid distribution time and place")
    ARRIVAL_CONFIRMED = "arrival_confirmed", _("Arrival confirmed")


class NoticeTemplate(models.Model):
    """The text of one kind of notice in one language; `{name}` marks a placeholder."""

    kind = models.CharField(max_length=32, choices=NoticeKind.choices)
    language = models.CharField(max_length=2, choices=Language.choices)
    body = models.TextField(max_length=1600)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["kind", "language"]
        verbose_name = _("notice template")
        verbose_name_plural = _("notice templates")
        constraints = [
            models.UniqueConstraint(fields=["kind", "language"], name="template_once_per_language"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.language})"


class NoticeStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    # Claimed by a worker: the sender is being called (never retried blindly, so a
    # crash mid-send cannot send the same message twice).
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")
    NO_ADDRESS = "no_address", _("No address to send to")


class BroadcastStatus(models.TextChoices):
    SENDING = "sending", _("Sending")
    DONE = "done", _("Done")


class Broadcast(models.Model):
    """A corridor or distribution notice sent to everyone with an open case in settlements."""

    kind = models.CharField(max_length=32, choices=NoticeKind.choices)
    context = models.JSONField(default=dict, blank=True)
    settlements = models.ManyToManyField("places.Place", related_name="+")
    status = models.CharField(
        max_length=16, choices=BroadcastStatus.choices, default=BroadcastStatus.SENDING
    )
    recipients = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("broadcast")
        verbose_name_plural = _("broadcasts")

    def __str__(self) -> str:
        return f"B-{self.pk}"


class Notice(models.Model):
    """One message to one person, from rendering to the sender's delivery report."""

    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="notices")
    case = models.ForeignKey(
        "hotline.Case", null=True, blank=True, on_delete=models.CASCADE, related_name="notices"
    )
    broadcast = models.ForeignKey(
        Broadcast, null=True, blank=True, on_delete=models.CASCADE, related_name="notices"
    )
    kind = models.CharField(max_length=32, choices=NoticeKind.choices)
    language = models.CharField(max_length=2, choices=Language.choices)
    medium = models.CharField(max_length=16, choices=Medium.choices, blank=True, default="")
    # Copied from the contact when the notice is made, so a retry goes where it was meant.
    address = EncryptedTextField(blank=True, default="")
    # The rendered text names places and times a person will be: encrypted at rest.
    body = EncryptedTextField()
    status = models.CharField(
        max_length=16, choices=NoticeStatus.choices, default=NoticeStatus.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    # The id the sender gave the message (Twilio's MessageSid, Telegram's message_id).
    provider_id = models.CharField(max_length=64, blank=True, default="", db_index=True)
    error = models.CharField(max_length=300, blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # When a worker last claimed it to send: a claim far older than any send means the
    # worker died mid-send (channels.services.notices_unstick).
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        indexes = [models.Index(fields=["broadcast", "status"], name="notice_broadcast_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=[s.value for s in NoticeStatus]),
                name="notice_status_known",
            ),
        ]

    def __str__(self) -> str:
        return f"N-{self.pk} {self.kind}"


class KoboMapping(models.Model):
    """Which question of a KoboToolbox form fills which case field (forms differ).

    Each field holds the question's path as Kobo sends it (`group/question`); an empty
    field is not asked by that form.
    """

    form_id = models.CharField(
        max_length=100,
        unique=True,
        help_text=_("The form's asset uid, sent by Kobo as _xform_id_string."),
    )
    name = models.CharField(max_length=200, blank=True)
    phone = models.CharField(max_length=200, blank=True)
    given_name = models.CharField(max_length=200, blank=True)
    family_name = models.CharField(max_length=200, blank=True)
    settlement = models.CharField(
        max_length=200, blank=True, help_text=_("A settlement name in any script, or its id.")
    )
    household_size = models.CharField(max_length=200, blank=True)
    message = models.CharField(
        max_length=200, blank=True, help_text=_("Free text; needs are recognised from it.")
    )
    needs = models.CharField(
        max_length=200,
        blank=True,
        help_text=_("A select_multiple question whose choices are hotline need types."),
    )
    vulnerabilities = models.CharField(
        max_length=200,
        blank=True,
        help_text=_("A select_multiple question whose choices are hotline vulnerabilities."),
    )
    language = models.CharField(
        max_length=200, blank=True, help_text=_("A question answered uk, ru or en.")
    )

    class Meta:
        verbose_name = _("KoboToolbox form mapping")
        verbose_name_plural = _("KoboToolbox form mappings")

    def __str__(self) -> str:
        return self.name or self.form_id
