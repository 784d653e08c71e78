"""The baseline of ``bench_import.py`` on a slice of the billing file: django-import-export.

Run by the benchmark as ``python benchmarks/import_export_baseline.py SLICE.csv`` with
``DATABASE_URL`` set and ``import_export_settings`` as the settings. In one process, on an empty
``refunds_billingline`` each time (members and contracts imported), it times

* ``manage.py import_csv billing SLICE.csv`` (``call_command``: the batch record, the audit event
  and all; the median of three runs, the first one paying for first imports of modules),
* a django-import-export ``ModelResource`` of ``BillingLine`` (contract by its natural key
  ``contract_no`` through a ``ForeignKeyWidget``, the key (contract, period, item) as
  ``import_id_fields``, the project's own period and amount rules as widgets, one transaction):
  reading the file into a ``tablib.Dataset`` and ``import_data(dry_run=False)``,

checks that both stored the same rows and prints the figures as JSON on its last line.
"""

import io
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "import_export_settings")

import django  # noqa: E402

django.setup()

import tablib  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count, Max, Min, Sum  # noqa: E402
from import_export import fields, resources, widgets  # noqa: E402

from refunds.imports.normalize import parse_amount, parse_period  # noqa: E402
from refunds.models import BillingLine, Contract  # noqa: E402


class PeriodWidget(widgets.Widget):
    """``YYYY-MM``, ``YYYYMM`` or ``YYYY/MM`` (full-width digits too): the first of the month."""

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> Any:
        return parse_period(str(value).strip())


class AmountWidget(widgets.Widget):
    """Whole yen with separators, full-width digits and a sign."""

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> Any:
        return parse_amount(str(value).strip())


class BillingLineResource(resources.ModelResource):
    contract = fields.Field(
        attribute="contract",
        column_name="contract_no",
        widget=widgets.ForeignKeyWidget(Contract, field="contract_no"),
    )
    period = fields.Field(attribute="period", column_name="period", widget=PeriodWidget())
    item = fields.Field(attribute="item", column_name="item")
    amount_yen = fields.Field(
        attribute="amount_yen", column_name="amount_yen", widget=AmountWidget()
    )

    class Meta:
        model = BillingLine
        fields = ("contract", "period", "item", "amount_yen")
        import_id_fields = ("contract", "period", "item")
        use_transactions = True


def _empty() -> None:
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE refunds_billingline CASCADE")


def _stored() -> dict[str, Any]:
    """What identifies the stored rows well enough to tell two imports of one file apart."""
    found = BillingLine.objects.aggregate(
        rows=Count("id"),
        amount=Sum("amount_yen"),
        contracts=Sum("contract_id"),
        first=Min("period"),
        last=Max("period"),
    )
    return {k: str(v) for k, v in found.items()}


def import_csv(path: Path) -> float:
    started = time.perf_counter()
    call_command("import_csv", "billing", str(path), stdout=io.StringIO())
    return time.perf_counter() - started


def import_export(path: Path) -> float:
    started = time.perf_counter()
    dataset = tablib.Dataset().load(path.read_text(encoding="utf-8"), format="csv")
    result = BillingLineResource().import_data(dataset, dry_run=False, raise_errors=True)
    seconds = time.perf_counter() - started
    if result.has_errors() or result.has_validation_errors():
        raise SystemExit("django-import-export reported errors")
    return seconds


def main() -> None:
    path = Path(sys.argv[1])
    runs = []
    for _run in range(3):
        _empty()
        runs.append(import_csv(path))
    ours = sorted(runs)[1]
    ours_stored = _stored()
    _empty()
    theirs = import_export(path)
    theirs_stored = _stored()
    _empty()
    if ours_stored != theirs_stored:
        raise SystemExit(f"the two imports differ: {ours_stored} != {theirs_stored}")
    print(
        json.dumps(
            {
                "rows": int(ours_stored["rows"]),
                "import_csv_seconds": ours,
                "import_csv_runs": runs,
                "import_export_seconds": theirs,
            }
        )
    )


if __name__ == "__main__":
    main()
