from django.apps import AppConfig


class HotlineConfig(AppConfig):
    name = "reliefline.hotline"
    label = "hotline"
    verbose_name = "Hotline"
