from django.apps import AppConfig


class AidConfig(AppConfig):
    name = "reliefline.aid"
    label = "aid"
    verbose_name = "Aid"

    def ready(self) -> None:
        from reliefline.aid import map as situation_map

        situation_map.register()
