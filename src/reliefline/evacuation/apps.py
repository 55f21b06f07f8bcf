from django.apps import AppConfig


class EvacuationConfig(AppConfig):
    name = "reliefline.evacuation"
    label = "evacuation"
    verbose_name = "Evacuation"
