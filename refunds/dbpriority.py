"""A process that runs at a lower CPU priority gives its PostgreSQL sessions the same one.

The heavy worker runs imports and detection under ``nice 10`` (docker-compose.yml), but nice
lowers only the worker's own process: the PostgreSQL backend that receives its ``COPY`` and
maintains the billing lines' indexes keeps the priority of every other backend, and where the
pages share cores with the database it takes one of them from the call center for as long as
the import runs. With the ``prioritize`` extension in the database (Debian's and PostgreSQL's
apt package ``postgresql-15-prioritize``; migration 0054 creates it where it is installed and
the migrating role may), each new connection of a process whose nice value is above 0 gives
its backend that value. A process at the normal priority (gunicorn, the default queue's
worker) sends nothing; without the extension the statement does nothing.
"""

import os

from django.db.backends.base.base import BaseDatabaseWrapper

# True where the database has the extension's function (a SQL expression).
EXTENSION_PRESENT = "to_regprocedure('set_backend_priority(integer, integer)') IS NOT NULL"
# One round trip, whether or not the extension is there: a plain call to a function that does
# not exist would be an error.
_FOLLOW_NICE = f"""DO $$ BEGIN
  IF {EXTENSION_PRESENT} THEN
    PERFORM set_backend_priority(pg_backend_pid(), {{nice}});
  END IF;
END $$"""


def process_nice() -> int:
    return os.getpriority(os.PRIO_PROCESS, 0)


def follow_process_nice(*, connection: BaseDatabaseWrapper) -> None:
    """Give a new PostgreSQL session this process's nice value when it is above 0."""
    if connection.vendor != "postgresql":
        return
    nice = process_nice()
    if nice <= 0:
        return
    with connection.cursor() as cursor:
        cursor.execute(_FOLLOW_NICE.format(nice=int(nice)))


def on_connection_created(
    sender: type[BaseDatabaseWrapper], connection: BaseDatabaseWrapper, **kwargs: object
) -> None:
    follow_process_nice(connection=connection)
