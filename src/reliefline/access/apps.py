from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_migrate


class AccessConfig(AppConfig):
    name = "reliefline.access"
    label = "access"
    verbose_name = "Access"
    # Enqueued by `reliefline scheduler` every 15 minutes (hotline's scheduler command).
    periodic_tasks = (
        "reliefline.access.tasks.idempotency_purge_task",
        "reliefline.access.tasks.task_results_prune_task",
    )

    def ready(self) -> None:
        from reliefline.access import checks  # noqa: F401 - registers the deploy checks
        from reliefline.access.auth import session_end_fix
        from reliefline.access.roles import sync_role_groups

        # Groups follow the role matrix in code. Permissions of each app exist only
        # after that app's own post_migrate, so every app's signal re-syncs (idempotent).
        post_migrate.connect(sync_role_groups, dispatch_uid="reliefline.sync_role_groups")
        # A session ends one shift after signing in (access.auth.session_end_fix).
        user_logged_in.connect(session_end_fix, dispatch_uid="reliefline.session_end_fix")


class ReliefAdminConfig(admin_apps.AdminConfig):
    """Django's admin, with a site that also asks for the second factor."""

    default = False  # named explicitly in INSTALLED_APPS
    default_site = "reliefline.access.admin_site.ReliefAdminSite"
