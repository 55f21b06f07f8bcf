from django.apps import AppConfig


class AidConfig(AppConfig):
    name = "reliefline.aid"
    label = "aid"
    verbose_name = "Aid"
    # What this app holds about a person, for the data-subject export (hotline.subject).
    subject_export = "reliefline.aid.selectors.subject_export"

    def ready(self) -> None:
        from reliefline.aid import map as situation_map
        from reliefline.aid import retention
        from reliefline.hotline.retention import cases_purged, persons_held

        situation_map.register()
        # Retention lives in hotline, below this app: it asks which persons aid still
        # serves, and once it has purged, this app forgets the names given at handovers.
        persons_held.connect(retention.persons_held, dispatch_uid="aid_persons_held")
        cases_purged.connect(retention.retention_ran, dispatch_uid="aid_retention")
