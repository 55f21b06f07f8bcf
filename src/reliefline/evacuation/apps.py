from django.apps import AppConfig


class EvacuationConfig(AppConfig):
    name = "reliefline.evacuation"
    label = "evacuation"
    verbose_name = "Evacuation"

    def ready(self) -> None:
        from reliefline.evacuation import map as situation_map

        situation_map.register()
