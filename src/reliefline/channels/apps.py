from django.apps import AppConfig
from django.db.models.signals import post_save


class ChannelsConfig(AppConfig):
    name = "reliefline.channels"
    label = "channels"
    verbose_name = "Channels"

    def ready(self) -> None:
        from reliefline.channels.services.retention import person_purged
        from reliefline.people.models import Person

        # Retention lives in hotline, below this app: a purged person tells us to follow.
        post_save.connect(person_purged, sender=Person, dispatch_uid="channels_person_purged")
