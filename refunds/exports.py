"""Exports of what a list's filters show: CSV (UTF-8 with BOM, or CP932) and XLSX, streamed.

Rows are read with ``values_list(...).iterator()`` and written as they come, so a million rows
never sit in memory: CSV goes straight into a ``StreamingHttpResponse``; XLSX is written by
openpyxl's write-only workbook to a temporary file that is then streamed. Text a spreadsheet
would run as a formula (``=``, ``+``, ``-``, ``@``) is prefixed with a quote; personal data is
masked unless the user's role may see it (supervisors and admins).
"""

import datetime
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.http import FileResponse, StreamingHttpResponse

from refunds import csvcells
from refunds.localtime import stamp
from refunds.policies import may_see_personal_data

CHUNK = 2000


@dataclass(frozen=True)
class ExportColumn:
    label: Any
    path: str
    transform: Callable[[Any], Any] | None = None
    # Applied instead of the value when the user may not see personal data.
    mask: Callable[[Any], Any] | None = None

    @property
    def personal(self) -> bool:
        """A member's personal data (a masked phone, address, birth date…), not an amount that
        some readers may not see."""
        return self.mask is not None and self.mask is not hidden


# -- masks and formats ----------------------------------------------------------------------


def hidden(value: object) -> str:
    """What an export writes for a value its reader may not see at all (an amount for staff)."""
    return ""


def local_time(value: Any) -> str:
    if isinstance(value, datetime.datetime):
        return stamp(value, seconds=True)
    return "" if value is None else str(value)


def label_of(choices: Any) -> Callable[[Any], str]:
    labels = dict(choices)
    return lambda value: str(labels.get(value, value if value is not None else ""))


# -- rows and responses ---------------------------------------------------------------------


def carries_personal_data(columns: Sequence[ExportColumn], user: Any) -> bool:
    """Whether an export of ``columns`` by ``user`` holds personal data unmasked."""
    return may_see_personal_data(user) and any(column.personal for column in columns)


def export_rows(
    queryset: QuerySet[Any], columns: Sequence[ExportColumn], user: Any
) -> Iterator[list[Any]]:
    full = may_see_personal_data(user)
    convert = [
        (column.mask if (column.mask and not full) else column.transform) for column in columns
    ]
    yield [str(column.label) for column in columns]
    values = queryset.order_by("pk").values_list(*(column.path for column in columns))
    for record in values.iterator(chunk_size=CHUNK):
        yield [
            fn(value) if fn else ("" if value is None else value)
            for fn, value in zip(convert, record, strict=True)
        ]


def csv_response(
    rows: Iterable[list[Any]], filename: str, encoding: str = "utf-8"
) -> StreamingHttpResponse:
    writer = csvcells.line_writer()
    cp932 = encoding.lower() in ("cp932", "shift_jis", "sjis")

    def lines() -> Iterator[bytes]:
        if not cp932:
            yield "\ufeff".encode()  # a BOM: Excel opens the file as UTF-8
        for row in rows:
            line = writer.writerow(row)
            yield line.encode("cp932", errors="replace") if cp932 else line.encode("utf-8")

    response = StreamingHttpResponse(
        lines(), content_type=f"text/csv; charset={'cp932' if cp932 else 'utf-8'}"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def write_xlsx(rows: Iterable[list[Any]], path: str, title: str = "export") -> None:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=title[:31])
    for row in rows:
        sheet.append([csvcells.xlsx_cell(cell) for cell in row])
    book.save(path)


def xlsx_response(rows: Iterable[list[Any]], filename: str) -> FileResponse:
    handle = tempfile.NamedTemporaryFile(suffix=".xlsx")  # noqa: SIM115 - closed by the response
    write_xlsx(rows, handle.name, filename)
    handle.seek(0)
    return FileResponse(handle, as_attachment=True, filename=f"{filename}.xlsx")
