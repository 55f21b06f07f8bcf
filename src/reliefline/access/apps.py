from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AccessConfig(AppConfig):
    name = "reliefline.access"
    label = "access"
    verbose_name = "Access"

    def ready(self) -> None:
        from reliefline.access.roles import sync_role_groups

        # Groups follow the role matrix in code. Permissions of each app exist only
        # after that app's own post_migrate, so every app's signal re-syncs (idempotent).
        post_migrate.connect(sync_role_groups, dispatch_uid="reliefline.sync_role_groups")
