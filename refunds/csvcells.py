"""Cells written to files people open in a spreadsheet: the one CSV writer and the one cell
cleaner for everything the product writes (lists, exports, reports, rejected rows, payment
results, commands).

A text a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``, a tab or a carriage
return first) is prefixed with a quote; in an XLSX file, characters the format cannot hold
(control characters such as ``\\x0b`` or ``\\x1b``, which an import or a form may have let in)
are written as ``\\x0b`` instead of failing the whole file.
"""

import csv
import re
from collections.abc import Iterable
from typing import Any, Protocol

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def escape_cell(value: Any) -> Any:
    """Text a spreadsheet would run as a formula is prefixed with a quote; the rest as is."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


# The control characters an XLSX cell cannot hold (tab, line feed and carriage return it can).
XLSX_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def xlsx_cell(value: Any) -> Any:
    """``escape_cell``, and the characters XLSX cannot hold written as ``\\xNN``."""
    value = escape_cell(value)
    if isinstance(value, str):
        return XLSX_ILLEGAL.sub(lambda m: f"\\x{ord(m.group()):02x}", value)
    return value


class _Writable(Protocol):
    def write(self, text: str, /) -> Any: ...


class SafeWriter:
    """``csv.writer`` whose every cell goes through ``escape_cell`` (CRLF line ends)."""

    def __init__(self, out: _Writable, **options: Any) -> None:
        options.setdefault("lineterminator", "\r\n")
        self._writer = csv.writer(out, **options)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow([escape_cell(cell) for cell in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def writer(out: _Writable, **options: Any) -> SafeWriter:
    """The product's CSV writer (see the module)."""
    return SafeWriter(out, **options)


class _Echo:
    def write(self, value: str) -> str:
        return value


def line_writer(**options: Any) -> SafeWriter:
    """The CSV writer whose ``writerow`` returns the line (a streamed response's chunks)."""
    return SafeWriter(_Echo(), **options)
