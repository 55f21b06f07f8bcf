from django.apps import AppConfig


class EvacuationConfig(AppConfig):
    name = "reliefline.evacuation"
    label = "evacuation"
    verbose_name = "Evacuation"
    # What this app holds about a person, for the data-subject export (hotline.subject).
    subject_export = "reliefline.evacuation.selectors.subject_export"

    def ready(self) -> None:
        from reliefline.evacuation import map as situation_map
        from reliefline.evacuation import retention
        from reliefline.hotline.retention import cases_purged, persons_held

        situation_map.register()
        # Retention lives in hotline, below this app: it asks which persons evacuation
        # still needs, and once it has purged, this app cancels the purged cases' requests.
        persons_held.connect(retention.persons_held, dispatch_uid="evacuation_persons_held")
        cases_purged.connect(retention.retention_ran, dispatch_uid="evacuation_retention")
