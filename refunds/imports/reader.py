"""Reading an import file as a stream of records with their physical line numbers."""

import codecs
import csv
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from django.utils.translation import gettext as _

from .errors import FileRefused

ENCODINGS = ("auto", "utf-8", "cp932")
_SNIFF_BYTES = 1 << 20
csv.field_size_limit(1 << 20)


def detect_encoding(fh: BinaryIO) -> str:
    """UTF-8 when the whole file decodes as UTF-8 (BOM or not), CP932 otherwise."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    fh.seek(0)
    try:
        while chunk := fh.read(_SNIFF_BYTES):
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return "cp932"
    finally:
        fh.seek(0)
    return "utf-8"


@dataclass
class Record:
    line: int
    values: list[str]
    undecodable: bool = False


class CsvStream:
    """Decode line by line (a bad line is marked, never fatal) and parse CSV records.

    ``bytes_read`` tells how far the reader has come, for progress reports.
    """

    def __init__(self, fh: BinaryIO, file_name: str, encoding: str) -> None:
        self.fh = fh
        self.file_name = file_name
        self.encoding = encoding
        self.bytes_read = 0
        self._bad_lines: set[int] = set()
        self._line_no = 0

    def _lines(self) -> Iterator[str]:
        for raw in self.fh:
            self._line_no += 1
            self.bytes_read += len(raw)
            if b"\x00" in raw:
                raise FileRefused(
                    _("the file is binary, not a CSV (a NUL byte)"), line=self._line_no
                )
            try:
                text = raw.decode(self.encoding)
            except UnicodeDecodeError:
                self._bad_lines.add(self._line_no)
                text = raw.decode(self.encoding, "replace")
            if self._line_no == 1 and text.startswith("\ufeff"):
                text = text[1:]
            yield text

    def records(self) -> Iterator[Record]:
        reader = csv.reader(self._lines(), strict=False)
        previous_end = 0
        while True:
            try:
                values = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise FileRefused(
                    _("not a readable CSV: %(reason)s") % {"reason": exc}, line=previous_end + 1
                ) from None
            start = previous_end + 1
            previous_end = reader.line_num
            undecodable = any(n in self._bad_lines for n in range(start, previous_end + 1))
            yield Record(line=start, values=values, undecodable=undecodable)
