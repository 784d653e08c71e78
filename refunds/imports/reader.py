"""Reading an import file as a stream of records with their physical line numbers."""

import codecs
import csv
import io
import itertools
import operator
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, BinaryIO

from django.utils.translation import gettext as _

from .errors import FileRefused

ENCODINGS = ("auto", "utf-8", "cp932")
_SNIFF_BYTES = 1 << 20
FIELD_LIMIT = 1 << 20  # characters in one field
csv.field_size_limit(FIELD_LIMIT)


def _unreadable(exc: csv.Error) -> str:
    """Why the csv reader gave up, in the user's language where the reason is known."""
    if "field larger than field limit" in str(exc):
        return _("a field is longer than %(limit)s characters") % {"limit": f"{FIELD_LIMIT:,}"}
    return _("not a readable CSV: %(reason)s") % {"reason": exc}


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


class Batch:
    """Consecutive records read in one go: where each starts and what it holds.

    A batch of plain lines (see ``_split``) holds every value in one flat list; ``values``
    (a list per record) is then made only if asked for.
    """

    __slots__ = ("_flat", "_values", "_width", "lines", "undecodable")

    def __init__(
        self,
        lines: Sequence[int],  # the physical line where each record starts
        *,
        values: list[list[str]] | None = None,
        flat: list[str] | None = None,
        width: int = 0,  # the number of fields of each record, when ``flat`` is given
        undecodable: frozenset[int] = frozenset(),  # indexes of records with undecodable bytes
    ) -> None:
        self.lines = lines
        self.undecodable = undecodable
        self._values = values
        self._flat = flat
        self._width = width

    @property
    def values(self) -> list[list[str]]:
        if self._values is None:
            flat, width = self._flat or [], self._width
            self._values = [flat[i : i + width] for i in range(0, len(flat), width)]
        return self._values

    def flat(self, width: int) -> list[str] | None:
        """Every value in one list, when every record has ``width`` fields (else None)."""
        if self._flat is not None:
            return self._flat if width == self._width else None
        if set(map(len, self.values)) != {width}:
            return None
        return list(itertools.chain.from_iterable(self.values))


def _split(text: str, count: int, start: int, width: int) -> Batch | None:
    """The records of ``count`` whole lines of text, each of ``width`` fields, split as text.

    A line without a quote is its fields joined by commas, which is how the csv reader reads it;
    a line with one is read by the csv reader, alone. None (the caller then reads the lines with
    the csv reader) when a line is blank, has another number of fields, has a carriage return
    of its own, or is part of a quoted field that spans lines.
    """
    if width < 2:
        return None
    if "\r" in text:
        text = text.replace("\r\n", "\n")
        if "\r" in text:
            return None
    lines = text.split("\n")
    if len(lines) == count + 1 and lines[-1] == "":
        lines.pop()
    if len(lines) != count:
        return None
    has_quote = map(operator.contains, lines, itertools.repeat('"'))
    quoted = list(itertools.compress(range(count), has_quote))
    records: list[list[str]] = []
    if quoted:
        # A quoted field not closed on its line would take in the next line given here: the
        # lone quote after the last one shows whether that happened (one record more, or not).
        try:
            records = list(csv.reader([*(lines[i] + "\n" for i in quoted), '"\n'], strict=False))
        except csv.Error:  # a field over the limit: the csv path names its line
            return None
        if len(records) != len(quoted) + 1 or any(len(r) != width for r in records[:-1]):
            return None
        placeholder = "," * (width - 1)
        for index in quoted:
            lines[index] = placeholder
    if set(map(operator.methodcaller("count", ","), lines)) != {width - 1}:
        return None
    flat = ",".join(lines).split(",")
    for index, record in zip(quoted, records, strict=False):
        flat[index * width : (index + 1) * width] = record
    return Batch(range(start + 1, start + count + 1), flat=flat, width=width)


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
        fh.seek(0, io.SEEK_END)
        self.size = fh.tell()  # in bytes
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

    def read(self, size: int) -> tuple[Record | None, Iterator[Batch]]:
        """The header record (None for an empty file), then the data in batches of ``size``."""
        self._fast = _decodes_wholly(self.fh, self.encoding, refuse_nul=True)
        if self._fast:
            return self._read_fast(size)
        reader = csv.reader(self._checked_lines(), strict=False)
        first = next(self._batches(reader, 1), None)
        if first is None:
            return None, iter(())
        header = Record(first.lines[0], first.values[0], bool(first.undecodable))
        return header, self._batches(reader, size)

    def _read_fast(self, size: int) -> tuple[Record | None, Iterator[Batch]]:
        raw = iter(self.fh)
        first = next(raw, None)
        if first is None:
            return None, iter(())
        text = first.decode(self.encoding)
        if text.startswith("\ufeff"):
            text = text[1:]
        decode = operator.methodcaller("decode", self.encoding)
        reader = csv.reader(itertools.chain((text,), map(decode, raw)), strict=False)
        values = self._csv_batch(reader, 0, until=1).values[0]
        return Record(1, values), self._fast_batches(raw, size, reader.line_num, len(values))

    def _fast_batches(
        self, raw: Iterator[bytes], size: int, end: int, width: int
    ) -> Iterator[Batch]:
        """Batches of ``size`` lines, decoded at once and split as text when they are plain
        lines; read by the csv reader otherwise (with the lines after them a record needs)."""
        decode = operator.methodcaller("decode", self.encoding)
        while chunk := list(itertools.islice(raw, size)):
            batch = _split(b"".join(chunk).decode(self.encoding), len(chunk), end, width)
            if batch is None:
                lines = itertools.chain(map(decode, chunk), map(decode, raw))
                reader = csv.reader(lines, strict=False)
                batch = self._csv_batch(reader, end, until=len(chunk))
                end += reader.line_num
            else:
                end += len(chunk)
            yield batch

    def _csv_batch(self, reader: Any, start: int, *, until: int) -> Batch:
        """The records of ``reader`` (whose first line is line ``start + 1``) that start on its
        first ``until`` lines."""
        values: list[list[str]] = []
        try:
            while reader.line_num < until:
                values.append(next(reader))
        except csv.Error as exc:
            raise FileRefused(
                _unreadable(exc),
                line=start + sum(_spans(values)) + 1,
            ) from None
        except StopIteration:
            pass
        return self._batch(values, start, start + reader.line_num)

    def _batches(self, reader: Any, size: int) -> Iterator[Batch]:
        while True:
            start = reader.line_num
            values: list[list[str]] = []
            try:
                values.extend(itertools.islice(reader, size))
            except csv.Error as exc:  # the records before the bad one are in ``values``
                raise FileRefused(
                    _unreadable(exc),
                    line=start + sum(_spans(values)) + 1,
                ) from None
            if not values:
                return
            yield self._batch(values, start, reader.line_num)

    def _batch(self, values: list[list[str]], start: int, end: int) -> Batch:
        """The batch of the records read from line ``start + 1`` to line ``end``."""
        if end - start == len(values):
            lines: Sequence[int] = range(start + 1, end + 1)
            spans = None
        else:
            spans = _spans(values)
            lines = list(itertools.accumulate(spans[:-1], initial=start + 1))
        undecodable: frozenset[int] = frozenset()
        bad_lines = self._bad_lines
        if bad_lines and any(n in bad_lines for n in range(start + 1, end + 1)):
            spans = spans or [1] * len(values)
            undecodable = frozenset(
                i
                for i, (first, span) in enumerate(zip(lines, spans, strict=True))
                if any(n in bad_lines for n in range(first, first + span))
            )
        return Batch(lines, values=values, undecodable=undecodable)

    def records(self) -> Iterator[Record]:
        """Every record, the header included, one by one."""
        header, batches = self.read(1000)
        if header is None:
            return
        yield header
        for batch in batches:
            for index, (line, values) in enumerate(zip(batch.lines, batch.values, strict=True)):
                yield Record(line, values, index in batch.undecodable)
