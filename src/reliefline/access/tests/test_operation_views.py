"""The keys page starts a rotation on the task worker; the operation page shows it."""

from collections.abc import Callable

import pytest
from django.core.management import call_command
from django.test import Client, override_settings

from reliefline.access import crypto
from reliefline.access.models import AuditEntry, Operation
from reliefline.access.operations import operation_file_store, operation_start
from reliefline.access.rotation import ROTATION
from reliefline.access.tasks import keys_rotate_task
from reliefline.hotline.tests.factories import open_case

pytestmark = pytest.mark.django_db

OLD, NEW = crypto.generate_key(), crypto.generate_key()


@pytest.mark.parametrize(("role", "status"), [("dpo", 200), ("coordinator", 403), ("field", 403)])
def test_only_the_dpo_and_admin_see_the_keys_page(
    client_as: Callable[[str], Client], role: str, status: int
) -> None:
    assert client_as(role).get("/access/keys/").status_code == status


def test_the_dpo_starts_a_rotation_and_watches_it_finish(
    client_as: Callable[[str], Client],
) -> None:
    with override_settings(FIELD_KEYS=[OLD]):
        open_case(phone="+79101234567", message="insulin")
    client = client_as("dpo")
    with override_settings(FIELD_KEYS=[NEW, OLD]):
        response = client.post("/access/keys/rotate/")
        operation = Operation.objects.get(kind=ROTATION.name)
        assert response["Location"] == f"/access/operations/{operation.pk}/"
        assert AuditEntry.objects.filter(record=f"access.operation:{operation.pk}").exists()

        keys_rotate_task.call(operation_id=operation.pk)

        page = client.get(f"/access/operations/{operation.pk}/").content.decode()
    operation.refresh_from_db()
    assert operation.status == "done" and operation.result["rows"] >= 2  # phone, message
    assert "Rows re-encrypted" in page and operation.result["key"] in page


def test_a_second_rotation_is_refused_while_one_is_queued(
    client_as: Callable[[str], Client],
) -> None:
    client = client_as("dpo")
    client.post("/access/keys/rotate/")
    response = client.post("/access/keys/rotate/")
    assert response.status_code == 409
    assert "under way already" in response.content.decode()
    assert Operation.objects.count() == 1


def test_a_rotation_is_hidden_from_a_coordinator(client_as: Callable[[str], Client]) -> None:
    client_as("dpo").post("/access/keys/rotate/")
    operation = Operation.objects.get()
    assert client_as("coordinator").get(f"/access/operations/{operation.pk}/").status_code == 404


def test_a_missing_operation_is_404(client_as: Callable[[str], Client]) -> None:
    assert client_as("admin").get("/access/operations/999/").status_code == 404


def test_the_command_line_rotation_shows_on_the_keys_page(
    client_as: Callable[[str], Client],
) -> None:
    call_command("rotate-keys")
    page = client_as("dpo").get("/access/keys/").content.decode()
    assert "Started from the command line" in page


def test_the_admin_lists_operations_and_their_files_without_their_content(
    client_as: Callable[[str], Client],
) -> None:
    operation = operation_start(ROTATION, by=None, enqueue=False)
    operation_file_store(operation, name="rejected.csv", content=b"line,field\n4,phone\n")
    client = client_as("admin")
    listing = client.get("/admin/access/operation/")
    detail = client.get(f"/admin/access/operation/{operation.pk}/change/")
    assert listing.status_code == 200 and ROTATION.name in listing.content.decode()
    assert detail.status_code == 200
    assert "rejected.csv" in detail.content.decode() and "4,phone" not in detail.content.decode()
