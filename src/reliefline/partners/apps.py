from django.apps import AppConfig


class PartnersConfig(AppConfig):
    name = "reliefline.partners"
    label = "partners"
    verbose_name = "Partners"
