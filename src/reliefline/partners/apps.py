from django.apps import AppConfig


class PartnersConfig(AppConfig):
    name = "reliefline.partners"
    label = "partners"
    verbose_name = "Partners"

    def ready(self) -> None:
        from reliefline.partners import map as needs_map

        needs_map.register()
