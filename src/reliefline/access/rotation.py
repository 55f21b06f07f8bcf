"""Key rotation: rewrite every encrypted value and blind index under the newest key."""

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.apps import apps
from django.db import models, transaction
from django.db.models.functions import Cast
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from reliefline.access import crypto
from reliefline.access.fields import EncryptedTextField
from reliefline.access.models import Operation
from reliefline.access.operations import (
    Kind,
    OperationProgress,
    Stage,
    Stages,
    kind_register,
    no_stages,
    operation_run,
    stages_tee,
)

ROTATION = kind_register(
    Kind(
        name="access.rotate_keys",
        label=_("Key rotation"),
        permission="access.rotate_keys",
        task="reliefline.access.tasks.keys_rotate_task",
        page="access:keys",
        page_title=_("Encryption keys"),
        exclusive=True,
        results={"rows": _("Rows re-encrypted"), "key": _("Now under key")},
        # Each stage is a model, named by its label (people.person); all count rows.
        other_stages=Stage(
            label="",
            counted=ngettext_lazy(
                "%(done)s of %(total)s row", "%(done)s of %(total)s rows", "count"
            ),
        ),
    )
)


@dataclass(frozen=True)
class EncryptedModel:
    model: type[models.Model]
    fields: tuple[str, ...]

    @property
    def label(self) -> str:
        return str(self.model._meta.label_lower)


def encrypted_models() -> list[EncryptedModel]:
    """Return every model with encrypted fields, and those fields."""
    found = []
    for model in apps.get_models():
        names = tuple(
            f.name for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)
        )
        if names:
            found.append(EncryptedModel(model, names))
    return found


def stale_rows(target: EncryptedModel) -> models.QuerySet[models.Model]:
    """Return rows with any value sealed under an older key.

    The raw column is read through a cast, so the filter sees ciphertext rather than
    the decrypted value (a plain lookup on the field would encrypt its argument).
    """
    current = f"{crypto.PREFIX}:{crypto.field_keys()[0].key_id}:"
    queryset = target.model._default_manager.all()
    stale = models.Q()
    for name in target.fields:
        raw = f"_raw_{name}"
        queryset = queryset.annotate(**{raw: Cast(name, models.TextField())})
        stale |= ~models.Q(**{f"{raw}__startswith": current}) & ~models.Q(**{raw: ""})
    return queryset.filter(stale)


def rotate(
    target: EncryptedModel, *, batch: int = 500, progress: Callable[[int], object] = lambda n: None
) -> Iterator[int]:
    """Re-encrypt stale rows batch by batch, each batch in its own transaction.

    Saving through the model rewrites its blind indexes too (Person.save). Yields the
    number of rows done per batch; an interrupted run resumes where it stopped,
    because rows already under the newest key are no longer stale.
    """
    if batch < 1:
        raise ValueError(f"a batch holds at least one row, not {batch}")
    while True:
        with transaction.atomic():
            ids = list(stale_rows(target).order_by("pk").values_list("pk", flat=True)[:batch])
            if not ids:
                return
            for row in target.model._default_manager.select_for_update().filter(pk__in=ids):
                row.save(update_fields=list(target.fields))
        progress(len(ids))
        yield len(ids)


def keys_rotate(*, batch: int = 500, progress: Stages = no_stages) -> int:
    """Re-encrypt every stale row of every encrypted model; return how many were.

    `progress` is told each model as a stage, with its count of stale rows.
    """
    rotated = 0
    for target in encrypted_models():
        step = progress(target.label, stale_rows(target).count())
        for done in rotate(target, batch=batch, progress=step):
            rotated += done
    return rotated


def keys_rotate_operate(
    operation_id: int, *, batch: int = 500, terminal: Stages = no_stages
) -> Operation:
    """Run a queued key rotation, its progress on the page and on `terminal`."""

    def work(progress: OperationProgress) -> dict[str, object]:
        rotated = keys_rotate(batch=batch, progress=stages_tee(terminal, progress.stage))
        return {"rows": rotated, "key": crypto.field_keys()[0].key_id}

    return operation_run(operation_id, work)
