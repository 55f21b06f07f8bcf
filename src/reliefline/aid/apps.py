from django.apps import AppConfig


class AidConfig(AppConfig):
    name = "reliefline.aid"
    label = "aid"
    verbose_name = "Aid"
