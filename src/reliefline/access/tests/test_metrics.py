"""GET /metrics: off without a token, refused without it, aggregates only with it."""

import pytest
from django.test import Client, override_settings
from prometheus_client.parser import text_string_to_metric_families

from reliefline.hotline.services import NeedInput
from reliefline.hotline.tests.factories import open_case

TOKEN = "scrape-token-for-tests"
pytestmark = pytest.mark.django_db


def _samples(body: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(body)
        for sample in family.samples
    }


@override_settings(RELIEFLINE_METRICS_TOKEN="")
def test_metrics_are_off_until_a_token_is_set() -> None:
    response = Client().get("/metrics")

    assert response.status_code == 403
    assert "RELIEFLINE_METRICS_TOKEN" in response.json()["detail"]


@override_settings(RELIEFLINE_METRICS_TOKEN=TOKEN)
@pytest.mark.parametrize("header", [None, "Bearer wrong", f"Basic {TOKEN}", TOKEN])
def test_metrics_refuse_a_scraper_without_the_token(header: str | None) -> None:
    headers = {"Authorization": header} if header else {}

    response = Client(headers=headers).get("/metrics")

    assert response.status_code == 403
    assert response.json()["detail"].startswith("Authorization")


@override_settings(RELIEFLINE_METRICS_TOKEN=TOKEN)
def test_metrics_count_cases_needs_and_jobs_without_naming_anyone() -> None:
    open_case(needs=[NeedInput(type="medicine", item="insulin")], given_name="Ирина")
    open_case(needs=[NeedInput(type="water")], phone="+380501234567", given_name="Олена")

    response = Client(headers={"Authorization": f"Bearer {TOKEN}"}).get("/metrics")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    body = response.content.decode()
    samples = _samples(body)
    assert samples[("reliefline_cases", (("status", "new"),))] == 2
    assert samples[("reliefline_needs_open", (("need", "medicine"),))] == 1
    assert samples[("reliefline_needs_open", (("need", "water"),))] == 1
    assert samples[("reliefline_audit_entries", ())] >= 2
    assert ("reliefline_tasks_oldest_ready_seconds", ()) in samples
    assert "Ирина" not in body and "Олена" not in body and "+380" not in body
