"""Progress reports: generated on demand or by Celery beat, kept, and written as CSV/XLSX/PDF."""

import io
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from accounts.models import User
from refunds import csvcells
from refunds.models import Category, ProgressReport
from refunds.models.audit import AuditAction
from refunds.reports import REPORT_ROWS, progress_report
from refunds.services.audit import audit_record


def report_generate(*, user: User | None = None, program_code: str = "") -> ProgressReport:
    report = ProgressReport.objects.create(
        program_code=program_code,
        generated_by=user if getattr(user, "is_authenticated", False) else None,
        data=progress_report(program_code or None),
    )
    audit_record(actor=user, action=AuditAction.REPORT_GENERATED, obj=report)
    return report


def report_table(report: ProgressReport) -> tuple[list[str], list[list[Any]]]:
    """The report as one table: a line per figure, count and yen per column group."""
    data = report.data
    groups: list[tuple[str, dict[str, Any]]] = [(_("All"), data["total"])]
    groups += [(code, figures) for code, figures in data["programs"].items()]
    groups += [
        (str(Category(int(value)).label), figures) for value, figures in data["categories"].items()
    ]
    header = [_("line")]
    for name, _figures in groups:
        header += [f"{name} · {_('cases')}", f"{name} · {_('yen')}"]
    rows = []
    for key, label in REPORT_ROWS:
        row: list[Any] = [str(label)]
        for _name, figures in groups:
            # A report kept from before a line existed shows it blank, not as zero.
            line = figures.get(key)
            row += [line["count"], line["yen"]] if line else ["", ""]
        rows.append(row)
    return header, rows


def report_csv(report: ProgressReport) -> bytes:
    header, rows = report_table(report)
    out = io.StringIO()
    writer = csvcells.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")  # BOM: Excel opens it as UTF-8


def report_xlsx(report: ProgressReport) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    header, rows = report_table(report)
    book = Workbook()
    sheet = book.active
    sheet.title = _("Progress")
    sheet.append([str(report)])
    sheet.append(header)
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([csvcells.xlsx_cell(cell) for cell in row])
    for column in sheet.iter_cols(min_col=2, min_row=3):
        for cell in column:
            cell.number_format = "#,##0"
    sheet.column_dimensions["A"].width = 44
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def report_pdf(report: ProgressReport) -> bytes:
    from weasyprint import HTML

    header, rows = report_table(report)
    html = render_to_string(
        "refunds/report_pdf.html", {"report": report, "header": header, "rows": rows}
    )
    pdf: bytes = HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()
    return pdf
