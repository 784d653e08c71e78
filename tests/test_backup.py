"""The documented backup and restore (README, Backup and restore) works: pg_dump → pg_restore."""

import os
import shutil
import subprocess
import uuid

import pytest
from django.db import connection

from refunds.models import AuditEvent, Case, Member
from refunds.payee import BankDetails
from refunds.services import callcenter
from tests.factories import CaseFactory, UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _env_and_args(name: str) -> tuple[dict[str, str], list[str]]:
    db = connection.settings_dict
    env = {**os.environ, "PGPASSWORD": db.get("PASSWORD") or ""}
    args = [
        "-h",
        db.get("HOST") or "127.0.0.1",
        "-p",
        str(db.get("PORT") or 5432),
        "-U",
        db["USER"],
    ]
    return env, [*args, "-d", name]


def test_a_dump_restores_into_an_empty_database(tmp_path):
    if connection.vendor != "postgresql" or not shutil.which("pg_dump"):
        pytest.skip("needs PostgreSQL and its client tools (CI has both)")
    case = CaseFactory(status="awaiting_claim", category=3)
    callcenter.claim_record(
        case=case,
        user=UserFactory(roles=["supervisor"]),
        method="bank_transfer",
        bank=BankDetails(
            **{
                "bank_code": "0001",
                "branch_code": "001",
                "account_type": "1",
                "account_number": "1234567",
                "holder_name": "ﾔﾏﾀﾞ ﾀﾛｳ",
            }
        ),
    )
    dump = tmp_path / "refund_desk.dump"
    env, source = _env_and_args(connection.settings_dict["NAME"])
    subprocess.run(
        ["pg_dump", "--format=custom", "--no-owner", f"--file={dump}", *source], env=env, check=True
    )
    target = f"restore_{uuid.uuid4().hex[:8]}"
    _env, admin = _env_and_args("postgres")
    subprocess.run(["psql", *admin, "-qc", f"CREATE DATABASE {target}"], env=env, check=True)
    try:
        _env, restored = _env_and_args(target)
        subprocess.run(
            ["pg_restore", "--no-owner", "--exit-on-error", *restored, str(dump)],
            env=env,
            check=True,
        )

        def count(table: str) -> int:
            out = subprocess.run(
                ["psql", *restored, "-Atc", f"SELECT count(*) FROM {table}"],
                env=env,
                check=True,
                capture_output=True,
            )
            return int(out.stdout)

        assert count("refunds_case") == Case.objects.count() == 1
        assert count("refunds_member") == Member.objects.count()
        assert count("refunds_auditevent") == AuditEvent.objects.count()
        # The append-only trigger comes back with the data.
        update = subprocess.run(
            ["psql", *restored, "-c", "UPDATE refunds_auditevent SET action = 'x'"],
            env=env,
            capture_output=True,
        )
        assert update.returncode != 0 and b"append-only" in update.stderr
    finally:
        subprocess.run(
            ["psql", *admin, "-qc", f"DROP DATABASE IF EXISTS {target}"], env=env, check=False
        )
