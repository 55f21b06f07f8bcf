"""`reliefline worker`: run background jobs (notices, purges, reprioritisation).

The django-tasks database worker under reliefline's name, with all of its options
(`--batch`, `--interval`, `--queue-name`, ...). Run any number of them: each job is
taken with SELECT ... FOR UPDATE SKIP LOCKED, so no two workers run the same one.
"""

from django_tasks_db.management.commands.db_worker import Command as DatabaseWorker


class Command(DatabaseWorker):
    help = "Run background jobs from the database queue (notices, purges, priorities)."
