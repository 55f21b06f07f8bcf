"""Background jobs of people, run by `reliefline worker`."""

from django_tasks import task

from reliefline.people.operations import dedupe_operate, key_index_repair, people_import_operate


@task()
def people_import_task(operation_id: int) -> str:
    """Import a registry file uploaded on the import page; return how it ended."""
    return str(people_import_operate(operation_id).status)


@task()
def dedupe_task(operation_id: int) -> str:
    """Look for duplicates, as started from the review queue; return how it ended."""
    return str(dedupe_operate(operation_id).status)


@task()
def key_index_repair_task() -> bool:
    """Build the persons' lookup index if a killed import left it dropped (periodic)."""
    return key_index_repair()
