"""Reading an import file as a stream of records with their physical line numbers."""

import codecs
import csv
import itertools
import operator
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

from django.utils.translation import gettext as _

from .errors import FileRefused

ENCODINGS = ("auto", "utf-8", "cp932")
_SNIFF_BYTES = 1 << 20
csv.field_size_limit(1 << 20)


def _decodes_wholly(fh: BinaryIO, encoding: str, *, refuse_nul: bool = False) -> bool:
    """Whether the whole file decodes as ``encoding`` (and, if asked, has no NUL byte)."""
    decoder = codecs.getincrementaldecoder(encoding)()
    fh.seek(0)
    try:
        while chunk := fh.read(_SNIFF_BYTES):
            if refuse_nul and b"\x00" in chunk:
                return False
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    finally:
        fh.seek(0)
    return True


def detect_encoding(fh: BinaryIO) -> str:
    """UTF-8 when the whole file decodes as UTF-8 (BOM or not), CP932 otherwise."""
    return "utf-8" if _decodes_wholly(fh, "utf-8") else "cp932"


@dataclass(slots=True)
class Record:
    line: int
    values: list[str]
    undecodable: bool = False


class CsvStream:
    """Decode line by line (a bad line is marked, never fatal) and parse CSV records.

    A file that decodes wholly and has no NUL byte (the usual case) is read on a fast path with
    no per-line Python work; any other file line by line, so that an undecodable line is marked
    with its number and a NUL byte refuses the file at its line. Both split lines the same way
    (by iterating ``fh``), so line numbers are the same.

    ``bytes_read`` tells how far the reader has come, for progress reports.
    """

    def __init__(self, fh: BinaryIO, file_name: str, encoding: str) -> None:
        self.fh = fh
        self.file_name = file_name
        self.encoding = encoding
        self._bytes_read = 0
        self._fast = False
        self._bad_lines: set[int] = set()
        self._line_no = 0

    @property
    def bytes_read(self) -> int:
        return self.fh.tell() if self._fast else self._bytes_read

    def _checked_lines(self) -> Iterator[str]:
        for raw in self.fh:
            self._line_no += 1
            self._bytes_read += len(raw)
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

    def _clean_lines(self) -> Iterator[str]:
        lines = iter(self.fh)
        first = next(lines, None)
        if first is None:
            return iter(())
        text = first.decode(self.encoding)
        if text.startswith("\ufeff"):
            text = text[1:]
        rest: Iterable[str] = map(operator.methodcaller("decode", self.encoding), lines)
        return itertools.chain((text,), rest)

    def records(self) -> Iterator[Record]:
        self._fast = _decodes_wholly(self.fh, self.encoding, refuse_nul=True)
        lines = self._clean_lines() if self._fast else self._checked_lines()
        reader = csv.reader(lines, strict=False)
        bad_lines = self._bad_lines
        previous_end = 0
        try:
            for values in reader:
                start = previous_end + 1
                previous_end = reader.line_num
                if bad_lines and any(n in bad_lines for n in range(start, previous_end + 1)):
                    yield Record(start, values, True)
                else:
                    yield Record(start, values)
        except csv.Error as exc:
            raise FileRefused(
                _("not a readable CSV: %(reason)s") % {"reason": exc}, line=previous_end + 1
            ) from None
