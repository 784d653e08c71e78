"""Reading an import file as a stream of records with their physical line numbers."""

import codecs
import csv
import io
import itertools
import operator
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, BinaryIO, NamedTuple

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


class Batch(NamedTuple):
    """Consecutive records, read in one go."""

    lines: Sequence[int]  # the physical line where each record starts
    values: list[list[str]]
    undecodable: frozenset[int]  # indexes (into ``values``) of records with undecodable bytes


def _spans(values: Iterable[list[str]]) -> list[int]:
    """How many physical lines each record takes: one, plus the line breaks inside its fields.

    Lines are split after each ``\\n`` and a quoted field keeps the ones it spans, so this is
    what the csv reader's ``line_num`` counts, without asking it record by record.
    """
    return [1 + sum(field.count("\n") for field in record) for record in values]


class CsvStream:
    """Decode line by line (a bad line is marked, never fatal) and parse CSV records.

    A file that decodes wholly and has no NUL byte (the usual case) is read on a fast path with
    no per-line Python work; any other file line by line, so that an undecodable line is marked
    with its number and a NUL byte refuses the file at its line. Both split lines the same way
    (by iterating ``fh``), so line numbers are the same. Records come in batches: a batch whose
    records all take one line (the usual case) gets its line numbers as a range, with no
    per-record work.

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
        position = fh.tell()
        self.size = fh.seek(0, io.SEEK_END)
        fh.seek(position)

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

    def read(self, size: int) -> tuple[Record | None, Iterator[Batch]]:
        """The header record (None for an empty file), then the data in batches of ``size``."""
        self._fast = _decodes_wholly(self.fh, self.encoding, refuse_nul=True)
        lines = self._clean_lines() if self._fast else self._checked_lines()
        reader = csv.reader(lines, strict=False)
        batches = self._batches(reader, size)
        first = next(self._batches(reader, 1), None)
        if first is None:
            return None, batches
        return Record(first.lines[0], first.values[0], bool(first.undecodable)), batches

    def _batches(self, reader: Any, size: int) -> Iterator[Batch]:
        bad_lines = self._bad_lines
        while True:
            start = reader.line_num
            values: list[list[str]] = []
            try:
                values.extend(itertools.islice(reader, size))
            except csv.Error as exc:  # the records before the bad one are in ``values``
                raise FileRefused(
                    _("not a readable CSV: %(reason)s") % {"reason": exc},
                    line=start + sum(_spans(values)) + 1,
                ) from None
            if not values:
                return
            end = reader.line_num
            if end - start == len(values):
                lines: Sequence[int] = range(start + 1, end + 1)
                spans = None
            else:
                spans = _spans(values)
                lines = list(itertools.accumulate(spans[:-1], initial=start + 1))
            undecodable: frozenset[int] = frozenset()
            if bad_lines and any(n in bad_lines for n in range(start + 1, end + 1)):
                spans = spans or [1] * len(values)
                undecodable = frozenset(
                    i
                    for i, (first, span) in enumerate(zip(lines, spans, strict=True))
                    if any(n in bad_lines for n in range(first, first + span))
                )
            yield Batch(lines, values, undecodable)

    def records(self) -> Iterator[Record]:
        """Every record, the header included, one by one."""
        header, batches = self.read(1000)
        if header is None:
            return
        yield header
        for batch in batches:
            for index, (line, values) in enumerate(zip(batch.lines, batch.values, strict=True)):
                yield Record(line, values, index in batch.undecodable)
