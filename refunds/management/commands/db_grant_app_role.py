"""Give the application's database role what it needs and nothing an auditor would fear.

Run by the owner of the tables (the role that runs ``migrate``) after every migration, on
PostgreSQL: the application role reads and writes the tables, but is not their owner (so it
cannot ``ALTER TABLE``, ``DISABLE TRIGGER`` or drop them) and may only append to the audit log,
its hash chain, the reveal log and the member portal's log (no ``UPDATE``, ``DELETE`` or
``TRUNCATE``).
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

APPEND_ONLY = (
    "refunds_auditevent",
    "refunds_auditseal",
    "refunds_personaldataaccess",
    "refunds_portalattempt",
)


class Command(BaseCommand):
    help = "Grant the application's database role its rights (PostgreSQL; run as the owner)."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("role", help="the role the web, worker and beat connect as")

    def handle(self, *args: Any, **options: Any) -> None:
        if connection.vendor != "postgresql":
            raise CommandError("database roles are PostgreSQL's")
        role = connection.ops.quote_name(options["role"])
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [options["role"]])
            if cursor.fetchone() is None:
                raise CommandError(f"no database role {options['role']}")
            database = connection.ops.quote_name(connection.settings_dict["NAME"])
            cursor.execute(f"GRANT CONNECT ON DATABASE {database} TO {role}")
            cursor.execute(f"GRANT USAGE ON SCHEMA public TO {role}")
            cursor.execute(
                f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}"
            )
            cursor.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}")
            tables = ", ".join(APPEND_ONLY)
            cursor.execute(f"REVOKE UPDATE, DELETE, TRUNCATE ON {tables} FROM {role}")
        self.stdout.write(f"granted {options['role']}: read and write, append-only on {tables}")
