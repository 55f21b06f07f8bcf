"""PDF manifests, read back with pypdf: what each kind carries, and what it must not."""

import io
import os
import subprocess
import sys

import pytest
from django.contrib.auth.models import User
from pypdf import PdfReader

from reliefline.access.models import AuditEntry
from reliefline.evacuation import services
from reliefline.evacuation.models import EvacuationRequest, ManifestIssue, Placement
from reliefline.evacuation.services import Manifest, VehicleInput
from reliefline.evacuation.tests import factories as f

pytestmark = pytest.mark.usefixtures("gazetteer")

PHONE = "+79101234567"
MEDICAL_NOTE = "Инсулин два раза в день"
MESSAGE = "Дом на улице Ленина разрушен"


@pytest.fixture
def family(coordinator: User) -> EvacuationRequest:
    """Return an allocated family of three whose case has a phone, a medical note and a message."""
    convoy = f.convoy(vehicles=[VehicleInput("Автобус 1", seats=5, has_medic=True)], by=coordinator)
    request = f.request(
        family=[("Мария", "walking", True), ("Олег", "walking", False)],
        phone=PHONE,
        medical_note=MEDICAL_NOTE,
        message=MESSAGE,
        by=coordinator,
    )
    services.convoy_allocate(convoy, by=coordinator, time_limit=2)
    assert Placement.objects.filter(member__request=request).count() == 3
    return request


def _issue(request: EvacuationRequest, *, kind: str, by: User, language: str = "ru") -> Manifest:
    vehicle = Placement.objects.filter(member__request=request).first()
    assert vehicle is not None
    return services.manifest_issue(
        vehicle.vehicle,
        kind=kind,
        language=language,
        recipient="КПП Суджа",
        format="pdf",
        by=by,
    )


def _images(reader: PdfReader) -> int:
    """Return how many distinct images the pages use (a page lists every image of the file)."""
    found = set()
    for page in reader.pages:
        for image in page.images:
            assert image.indirect_reference is not None
            found.add(image.indirect_reference.idnum)
    return len(found)


def _read(pdf: bytes) -> tuple[str, int]:
    """Return the PDF's text and how many images it holds."""
    reader = PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() for page in reader.pages), _images(reader)


def test_checkpoint_pdf_names_passengers_in_cyrillic(
    coordinator: User, family: EvacuationRequest
) -> None:
    pdf = _issue(family, kind="checkpoint", by=coordinator).as_pdf()
    assert pdf.startswith(b"%PDF-")
    text, _images = _read(pdf)
    for name in ("Ирина Верещук", "Мария Петренко", "Олег Петренко"):
        assert name in text
    assert "1942" in text and "Автобус 1" in text
    assert "(по московскому времени)" in text  # the departure on Sudzha's clock


def test_checkpoint_pdf_has_no_phone_medical_note_case_or_code(
    coordinator: User, family: EvacuationRequest
) -> None:
    text, images = _read(_issue(family, kind="checkpoint", by=coordinator).as_pdf())
    codes = Placement.objects.filter(member__request=family).values_list("code", flat=True)
    assert PHONE not in text and "9101234567" not in text
    assert "Инсулин" not in text and "Ленина" not in text
    assert family.case.reference and family.case.reference not in text and "RL-" not in text
    assert not any(code in text for code in codes) and "EV-" not in text
    assert images == 0  # no QR code: it would be one more field


def test_internal_pdf_has_one_qr_image_per_passenger(
    coordinator: User, family: EvacuationRequest
) -> None:
    text, images = _read(_issue(family, kind="internal", by=coordinator).as_pdf())
    assert images == 3
    for code in Placement.objects.filter(member__request=family).values_list("code", flat=True):
        assert code in text


def test_pdf_headings_are_in_the_manifests_language(
    coordinator: User, family: EvacuationRequest
) -> None:
    text, _images = _read(_issue(family, kind="checkpoint", by=coordinator, language="uk").as_pdf())
    assert "Список для блокпосту" in text and "Ім’я" in text
    assert "КПП Суджа" in text  # issued to


@pytest.mark.parametrize(
    ("language", "labels"),
    [
        ("uk", ["Коридор:", "Колона:", "Транспортний засіб:", "Пункт збору:", "Видав(ла):"]),
        ("ru", ["Коридор:", "Колонна:", "Транспортное средство:", "Пункт сбора:", "Выдал:"]),
    ],
)
def test_every_pdf_label_is_translated(
    coordinator: User, family: EvacuationRequest, language: str, labels: list[str]
) -> None:
    text, _images = _read(
        _issue(family, kind="checkpoint", by=coordinator, language=language).as_pdf()
    )
    for label in labels:
        assert label in text
    for english in ("Corridor", "Convoy", "Vehicle", "Departure", "Issued by", "Received by"):
        assert f"{english}:" not in text  # the labels; names of things are as typed


def test_internal_pdf_repeats_the_header_and_numbers_every_page(coordinator: User) -> None:
    convoy = f.convoy(vehicles=[VehicleInput("Bus 7", seats=20)], by=coordinator)
    f.request(family=[(f"Имя{i}", "walking", False) for i in range(15)], by=coordinator)
    services.convoy_allocate(convoy, by=coordinator, time_limit=2)
    manifest = services.manifest_issue(
        f.bus(convoy),
        kind="internal",
        language="en",
        recipient="Lead",
        format="pdf",
        by=coordinator,
    )
    reader = PdfReader(io.BytesIO(manifest.as_pdf()))
    pages = len(reader.pages)
    assert pages >= 2
    for number, page in enumerate(reader.pages, start=1):
        text = page.extract_text()
        assert "Internal manifest · Bus 7" in text and convoy.name in text
        assert f"Page {number} of {pages}" in text
    assert _images(reader) == 16


def test_every_pdf_issued_is_recorded_and_audited(
    coordinator: User, family: EvacuationRequest
) -> None:
    _issue(family, kind="checkpoint", by=coordinator)
    issue = ManifestIssue.objects.get()
    assert (issue.format, issue.kind, issue.recipient, issue.passengers) == (
        "pdf",
        "checkpoint",
        "КПП Суджа",
        3,
    )
    entry = AuditEntry.objects.get(record=f"evacuation.manifest:{issue.pk}")
    assert entry.action == "export"
    assert sorted(entry.fields) == ["birth_year", "name", "seat", "vehicle"]
    assert len(entry.person_ids) == 3


def test_web_workers_start_without_the_pdf_library() -> None:
    """fpdf2 brings Pillow and fontTools (a second of imports): loaded only to make a PDF."""
    probe = (
        "import django, sys; django.setup(); import reliefline.urls; "
        "print(sorted(m for m in ('fpdf', 'PIL', 'fontTools') if m in sys.modules))"
    )
    result = subprocess.run(  # noqa: S603 - our own interpreter, a fixed probe
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "reliefline.settings"},
        timeout=120,
    )
    assert result.stdout.strip().splitlines()[-1] == "[]"
