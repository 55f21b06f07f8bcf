from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "reliefline.people"
    label = "people"
    verbose_name = "People"
    # Enqueued by `reliefline scheduler` every 15 minutes.
    periodic_tasks = ("reliefline.people.tasks.key_index_repair_task",)
    # What this app holds about a person, for the data-subject export (hotline.subject).
    subject_export = "reliefline.people.selectors.subject_export"
