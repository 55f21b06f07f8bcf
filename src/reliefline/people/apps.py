from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "reliefline.people"
    label = "people"
    verbose_name = "People"
