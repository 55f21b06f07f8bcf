import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from reliefline.access.fields import EncryptedTextField


class ApiToken(models.Model):
    """A bearer token for the JSON API; only its SHA-256 is stored."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    digest = models.CharField(max_length=64, unique=True)
    label = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.user} {self.label or self.digest[:8]}"

    @staticmethod
    def hash(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    @staticmethod
    def new_secret() -> str:
        return "rl_" + secrets.token_urlsafe(32)


class AuditAction(models.TextChoices):
    READ = "read", _("Read")
    CREATE = "create", _("Create")
    UPDATE = "update", _("Update")
    EXPORT = "export", _("Export")
    SEARCH = "search", _("Search")
    PURGE = "purge", _("Purge")
    DELETE = "delete", _("Delete")


class AuditEntry(models.Model):
    """One access to personal data. Append-only, and chained: each entry's hash covers
    the previous entry's hash, so an edited or deleted row breaks `audit verify`."""

    at = models.DateTimeField(db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    username = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=8, choices=AuditAction.choices)
    record = models.CharField(
        max_length=80, help_text=_("What was accessed, e.g. hotline.case:RL-000123")
    )
    person_ids = models.JSONField(default=list, blank=True)
    fields = models.JSONField(default=list, blank=True)
    purpose = models.CharField(max_length=200)
    address = models.GenericIPAddressField(null=True, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        permissions = [("view_audit", _("Can search the audit log"))]
        indexes = [models.Index(fields=["username", "at"], name="audit_user_idx")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} {self.action} {self.record}"


class AuditPerson(models.Model):
    """Which persons an audit entry touched, so the DPO can search by person."""

    entry = models.ForeignKey(AuditEntry, on_delete=models.PROTECT, related_name="persons")
    person_id = models.BigIntegerField(db_index=True)

    class Meta:
        verbose_name = _("audited person")
        verbose_name_plural = _("audited persons")

    def __str__(self) -> str:
        return f"{self.entry_id}:{self.person_id}"


class AuditHead(models.Model):
    """The single row holding the newest chain hash; locking it serialises appends."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_hash = models.CharField(max_length=64, default="0" * 64)

    class Meta:
        verbose_name = _("audit chain head")
        constraints = [
            models.CheckConstraint(condition=models.Q(id=1), name="audit_head_single_row")
        ]

    def __str__(self) -> str:
        return self.last_hash


class OperationStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class Operation(models.Model):
    """A long operation (an import, a dedupe run, a key rotation) and how far it got.

    Any app records its long work here, from a task worker or a terminal, so a page can
    show the progress. The counts are written between the operation's own transactions
    (access.operations.OperationProgress), never inside them.
    """

    kind = models.CharField(max_length=40, help_text=_("Registered in access.operations.KINDS"))
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(
        max_length=8, choices=OperationStatus.choices, default=OperationStatus.QUEUED
    )
    params = models.JSONField(default=dict, blank=True)
    stage = models.CharField(max_length=40, blank=True)
    total = models.BigIntegerField(null=True, blank=True)
    done = models.BigIntegerField(default=0)
    message = models.CharField(max_length=200, blank=True)
    result = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("long operation")
        verbose_name_plural = _("long operations")
        permissions = [
            ("import_people", _("Can import persons from a registry file")),
            ("rotate_keys", _("Can re-encrypt personal data under the newest key")),
        ]
        indexes = [models.Index(fields=["kind", "-created_at"], name="operation_kind_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(done__gte=0), name="operation_done_not_negative"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=OperationStatus.values),
                name="operation_status_known",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} ({self.status})"

    @property
    def finished(self) -> bool:
        return self.status in (OperationStatus.DONE, OperationStatus.FAILED)


class OperationFile(models.Model):
    """A file an operation reads or writes (an uploaded registry, its rejected rows).

    Kept in the database, not on a disk, so a task worker on another host reads what
    a web host received. Encrypted like every personal field (base64 of the bytes,
    sealed), so key rotation rewrites it too.
    """

    operation = models.ForeignKey(Operation, on_delete=models.CASCADE, related_name="files")
    name = models.CharField(max_length=100)
    size = models.BigIntegerField()
    content = EncryptedTextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("operation file")
        verbose_name_plural = _("operation files")
        constraints = [
            models.UniqueConstraint(fields=["operation", "name"], name="operation_file_unique_name")
        ]

    def __str__(self) -> str:
        return f"{self.operation_id}/{self.name}"


class IdempotentRequest(models.Model):
    """The answer to a write sent with an idempotency key, replayed to its retries.

    See access.idempotency. The answer may name the people it was about, so its body
    is encrypted like their records and dropped a day later; the row goes after a month.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    # SHA-256 of the method, path, query and body: a retry must send the same request.
    fingerprint = models.CharField(max_length=64)
    status = models.PositiveSmallIntegerField()
    headers = models.JSONField(default=dict)
    body = EncryptedTextField(blank=True)
    # The persons whose data the first request's audit entries named: a replay of the
    # answer is logged as a read of theirs (access.audit.audit_persons_collect).
    person_ids = models.JSONField(default=list, blank=True)
    # The answer is dropped a day later (body, headers and persons emptied); the key
    # and fingerprint stay a month, so a late retry is still not done twice.
    answer_dropped = models.BooleanField(default=False)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("idempotent request")
        verbose_name_plural = _("idempotent requests")
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotentrequest_user_key"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.key}"
