"""Background jobs of the hotline, run by `reliefline db_worker`."""

from django_tasks import task

from reliefline.hotline.retention import cases_purge
from reliefline.hotline.services import case_reprioritise_open


@task()
def retention_purge() -> dict[str, int]:
    """Anonymise cases past their retention period; return what was done.

    The purge commits batch by batch: a failed run (PurgeStopped, saying how far it
    got) keeps what it did, and the next day's run goes on from there.
    """
    report = cases_purge()
    return {"cases": len(report.case_references), "persons": len(report.person_ids)}


@task()
def queue_reprioritise() -> int:
    """Recompute waiting-time priority and SLA bands; return how many cases changed."""
    return case_reprioritise_open()
