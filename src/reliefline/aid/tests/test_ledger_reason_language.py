"""A reason the ledger writes itself reads in the reader's language, whoever wrote it.

A coordinator settling a refused distribution as written off in Russian leaves LOSS
movements that a Ukrainian or English reader of the ledger reads in theirs; a reason
a person typed reads as typed.
"""

import datetime as dt

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from reliefline.aid.models import DistributionRefusal, Movement, Warehouse
from reliefline.aid.selectors import movements_page
from reliefline.aid.services import (
    LineInput,
    RefusalInput,
    refusal_report,
    refusal_settle,
    stock_lose,
)
from reliefline.aid.tests.factories import (
    ItemFactory,
    family,
    water_point,
)

pytestmark = pytest.mark.django_db
EN = "Handed out offline and refused when sent ({ref})."
UK = "Видано без зв’язку й відхилено під час надсилання ({ref})."
RU = "Выдано без связи и отклонено при отправке ({ref})."


@pytest.fixture
def point() -> Warehouse:
    return water_point()


@pytest.fixture
def refusal(point: Warehouse, user_in) -> DistributionRefusal:
    return refusal_report(
        RefusalInput(
            key="3d9b2c4e-1f0a-4b6c-8d7e-5a4b3c2d1e0f",
            warehouse="SUDZHA-1",
            household_id=family(("Ольга", "Коваленко")).pk,
            handed_out_at=timezone.now() - dt.timedelta(hours=2),
            reasons="Only 0 of water left at SUDZHA-1; 2 asked for.",
            lines=[LineInput("WATER-5L", 2)],
        ),
        by=user_in("coordinator"),
    ).refusal


def _in(language: str, client: Client) -> Client:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def _written_off_in_russian(refusal: DistributionRefusal, client_as) -> Movement:
    """Return the LOSS movement of the refusal, settled on the page by a coordinator in ru."""
    coordinator = _in("ru", client_as("coordinator"))
    answer = coordinator.post(f"/aid/refusals/{refusal.pk}/settle/", {"how": "written_off"})
    assert answer.status_code == 302  # settled, back to the list
    return refusal.write_off.get()


def _ledger_page(client: Client) -> str:
    page = client.get("/aid/ledger/")
    assert page.status_code == 200
    return page.content.decode()


def test_a_write_off_settled_in_russian_reads_in_each_readers_language_on_the_ledger(
    refusal: DistributionRefusal, client_as
) -> None:
    _written_off_in_russian(refusal, client_as)
    ref = str(refusal)

    ukrainian = _ledger_page(_in("uk", client_as("field")))
    english = _ledger_page(_in("en", client_as("coordinator")))

    assert UK.format(ref=ref) in ukrainian and RU.format(ref=ref) not in ukrainian
    assert EN.format(ref=ref) in english and RU.format(ref=ref) not in english


def test_a_write_off_is_stored_in_english_whoever_settles_it(
    refusal: DistributionRefusal, client_as
) -> None:
    loss = _written_off_in_russian(refusal, client_as)

    assert loss.reason == EN.format(ref=str(refusal))


def test_the_api_keeps_the_stored_reason_and_adds_its_code_and_the_readers_text(
    refusal: DistributionRefusal, point: Warehouse, client_as, api_as
) -> None:
    _written_off_in_russian(refusal, client_as)
    stock_lose(warehouse=point, item=refusal.lines.get().item, quantity=1, reason="крысы", by=None)
    reader = api_as("field")

    items = reader.get(
        "/api/v1/aid/movements?warehouse=SUDZHA-1", headers={"Accept-Language": "uk"}
    ).json()["items"]

    typed, written_off = items[0], items[1]
    assert (written_off["reason"], written_off["reason_code"], written_off["reason_text"]) == (
        EN.format(ref=str(refusal)),
        "refusal_written_off",
        UK.format(ref=str(refusal)),
    )
    assert (typed["reason"], typed["reason_code"], typed["reason_text"]) == (
        "крысы",
        None,
        "крысы",
    )


def test_a_write_off_stored_in_russian_before_reads_in_the_readers_language(
    refusal: DistributionRefusal, point: Warehouse, client_as
) -> None:
    # As the settlement wrote it before its reason was stored in English.
    ref = str(refusal)
    (loss,) = stock_lose(
        warehouse=point,
        item=refusal.lines.get().item,
        quantity=2,
        reason=RU.format(ref=ref),
        reference=ref,
        by=None,
    )
    DistributionRefusal.objects.filter(pk=refusal.pk).update(
        status="settled", settlement="written_off", settled_at=timezone.now()
    )
    refusal.write_off.set([loss])

    english = _ledger_page(_in("en", client_as("coordinator")))

    assert EN.format(ref=ref) in english and RU.format(ref=ref) not in english


def test_a_typed_reason_reads_as_typed_in_any_language(point: Warehouse, client_as) -> None:
    stock_lose(
        warehouse=point,
        item=ItemFactory(code="WATER-5L"),
        quantity=1,
        reason="Пошкоджено під час обстрілу",
        by=None,
    )

    for language in ("en", "ru"):
        page = _ledger_page(_in(language, client_as("coordinator")))
        assert "Пошкоджено під час обстрілу" in page


def test_the_ledger_reads_write_off_reasons_in_the_same_queries_however_many(
    point: Warehouse, user_in
) -> None:
    def queries_for_page() -> int:
        with CaptureQueriesContext(connection) as queries:
            rows, _cursor = movements_page(warehouse=None, item=None)
            [row.reason_text for row in rows]
        return len(queries)

    def written_off(n: int) -> None:
        refusal = refusal_report(
            RefusalInput(
                key=f"key-{n}",
                warehouse="SUDZHA-1",
                household_id=family(("Ольга", f"Коваленко-{n}")).pk,
                handed_out_at=timezone.now(),
                reasons="refused",
                lines=[LineInput("WATER-5L", 1)],
            ),
            by=user_in("coordinator"),
        ).refusal
        refusal_settle(refusal, how="written_off", by=user_in("coordinator"))

    written_off(1)
    one = queries_for_page()
    written_off(2)
    written_off(3)

    assert queries_for_page() == one
