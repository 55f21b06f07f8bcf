"""GET /metrics: Prometheus figures of the operation, read from the database at each scrape.

Every figure is an aggregate computed from the database when Prometheus asks, so
it is the same whichever gunicorn worker or host answers, and nothing is lost
when a process restarts. Request rates and latencies come from the reverse proxy
in front of reliefline (docs/deploy.md). No figure names or singles out a person.

The endpoint is off (403) until RELIEFLINE_METRICS_TOKEN is set; Prometheus then sends
it as a bearer token (`authorization: {credentials: ...}` in its scrape config).
"""

import hmac
from collections.abc import Iterator

from django.conf import settings
from django.db.models import Count, Max, Min
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django_tasks_db.models import DBTaskResult
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from reliefline.access.models import AuditEntry
from reliefline.hotline.selectors import case_dashboard


class OperationCollector(Collector):
    """Cases by status and band, overdue cases, open needs, background jobs, audit size."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        now = timezone.now()
        board = case_dashboard(now=now)
        cases = GaugeMetricFamily("reliefline_cases", "Cases by status.", labels=["status"])
        for status, count in board.by_status.items():
            cases.add_metric([status], count)
        yield cases
        bands = GaugeMetricFamily(
            "reliefline_cases_open", "Open cases by priority band.", labels=["band"]
        )
        for band, count in board.by_band.items():
            bands.add_metric([band], count)
        yield bands
        yield GaugeMetricFamily(
            "reliefline_cases_overdue", "Open cases past their SLA.", value=board.overdue
        )
        needs = GaugeMetricFamily(
            "reliefline_needs_open", "Open cases with an unmet need, by need.", labels=["need"]
        )
        for need, count in sorted(board.by_need.items()):
            needs.add_metric([need], count)
        yield needs

        tasks = GaugeMetricFamily(
            "reliefline_tasks", "Background jobs by status.", labels=["status"]
        )
        for status, count in (
            DBTaskResult.objects.values_list("status").annotate(n=Count("id")).order_by()
        ):
            tasks.add_metric([str(status).lower()], count)
        yield tasks
        oldest = DBTaskResult.objects.filter(status="READY", run_after__lte=now).aggregate(
            at=Min("enqueued_at")
        )["at"]
        yield GaugeMetricFamily(
            "reliefline_tasks_oldest_ready_seconds",
            "How long the oldest job due to run has waited (0 when none): a stalled worker.",
            value=(now - oldest).total_seconds() if oldest else 0.0,
        )
        # The newest id, not COUNT(*): the log only grows, and this stays cheap at any size.
        last = AuditEntry.objects.aggregate(last=Max("pk"))["last"] or 0
        yield GaugeMetricFamily(
            "reliefline_audit_entries", "Entries in the audit log.", value=float(last)
        )


def _authorised(request: HttpRequest, token: str) -> bool:
    header = request.headers.get("Authorization", "")
    scheme, _, given = header.partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip(), token)


@never_cache
@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    """Return the figures in Prometheus's text format, to a scraper holding the token."""
    token = settings.RELIEFLINE_METRICS_TOKEN
    if not token:
        # Refused like a wrong token, as the channels' webhooks are while their secret is unset.
        return JsonResponse({"detail": "metrics are off: set RELIEFLINE_METRICS_TOKEN"}, status=403)
    if not _authorised(request, token):
        return JsonResponse({"detail": "Authorization: a bearer token is required"}, status=403)
    registry = CollectorRegistry(auto_describe=False)
    registry.register(OperationCollector())
    return HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
