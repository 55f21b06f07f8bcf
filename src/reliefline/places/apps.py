from django.apps import AppConfig


class PlacesConfig(AppConfig):
    name = "reliefline.places"
    label = "places"
    verbose_name = "Places"
