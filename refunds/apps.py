from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class RefundsConfig(AppConfig):
    name = "refunds"
    verbose_name = _("Refunds")

    def ready(self) -> None:
        # The tasks register with Celery when their module is imported; every process (web,
        # worker, commands) has them, so that work is handed over by name (refunds.queue).
        from . import checks, tasks  # noqa: F401
        from .builtin import ensure_builtin_programs_after_migrate
        from .dbpriority import on_connection_created

        post_migrate.connect(
            ensure_builtin_programs_after_migrate, dispatch_uid="refunds.builtin_programs"
        )
        connection_created.connect(on_connection_created, dispatch_uid="refunds.follow_nice")
