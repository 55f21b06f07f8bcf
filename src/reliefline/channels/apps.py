from django.apps import AppConfig


class ChannelsConfig(AppConfig):
    name = "reliefline.channels"
    label = "channels"
    verbose_name = "Channels"
