"""Liveness and readiness probes for load balancers and orchestrators.

`healthz` answers without touching the database or the session, so it also
serves as the trivial Django JSON view the intake benchmark compares against.
`readyz` runs one `SELECT 1`, so a worker that has lost its database is taken
out of rotation instead of answering 500s.
"""

import logging

from django.db import DatabaseError, connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

log = logging.getLogger(__name__)


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Return 200 {"status": "ok"} while the process can answer at all."""
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    """Return 200 {"status": "ready"} when the database answers, else 503."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        # The reason goes to the log, not to an unauthenticated caller.
        log.exception("readiness check: the database did not answer")
        return JsonResponse({"status": "unavailable", "detail": "database"}, status=503)
    return JsonResponse({"status": "ready"})
