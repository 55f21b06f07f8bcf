from django.apps import AppConfig


class ChannelsConfig(AppConfig):
    name = "reliefline.channels"
    label = "channels"
    verbose_name = "Channels"
    # Enqueued by `reliefline scheduler` on every tick: a notice whose worker died
    # mid-send is settled even when no other notice is sent afterwards.
    periodic_tasks = ("reliefline.channels.tasks.notices_settle",)
    # What this app holds about a person, for the data-subject export (hotline.subject).
    subject_export = "reliefline.channels.selectors.subject_export"

    def ready(self) -> None:
        from reliefline.channels.services.retention import retention_ran
        from reliefline.hotline.retention import cases_purged

        # Retention lives in hotline, below this app: once it has purged, this app follows,
        # also when only cases (and no person) were purged.
        cases_purged.connect(retention_ran, dispatch_uid="channels_retention")
