"""The reader's fast path (a file that decodes wholly) and its line-by-line path agree."""

import csv
import io

import pytest

from refunds.imports.errors import FileRefused
from refunds.imports.reader import CsvStream
from refunds.imports.rows import copy_text_of

TEXT = 'a,b\n1,"two\nlines"\n\n3,"x\r\ny"\r\n4,四\n5,"三\n行\nです"\n6,end\n'


def records(data: bytes, encoding: str) -> list[tuple[int, list[str], bool]]:
    stream = CsvStream(io.BytesIO(data), "f.csv", encoding)
    return [(r.line, r.values, r.undecodable) for r in stream.records()]


def test_multi_line_records_have_the_same_line_numbers_in_utf8_and_cp932() -> None:
    utf8 = records(TEXT.encode("utf-8"), "utf-8")
    assert [line for line, _values, _bad in utf8] == [1, 2, 4, 5, 7, 8, 11]
    assert utf8 == records(TEXT.encode("cp932"), "cp932")
    assert utf8 == records(b"\xef\xbb\xbf" + TEXT.encode("utf-8"), "utf-8")  # BOM


def test_a_bad_line_falls_back_to_line_by_line_decoding() -> None:
    data = TEXT.encode("utf-8").replace(b"6,end", b"6,\xff")
    found = records(data, "utf-8")
    assert [line for line, _values, bad in found if bad] == [11]
    assert [line for line, _values, _bad in found] == [1, 2, 4, 5, 7, 8, 11]


def test_a_nul_byte_refuses_the_file_at_its_line() -> None:
    data = TEXT.encode("utf-8").replace(b"4,", b"4\x00,")
    with pytest.raises(FileRefused) as exc:
        records(data, "utf-8")
    assert exc.value.line == 7


def test_copy_text_escapes_only_what_needs_it() -> None:
    rows = [(2, "a\tb", None, 5, "x"), (3, "c\\d", "2024-01-01", None, "y\nz")]
    kinds = ["integer", "text", "date", "integer", "text"]
    assert copy_text_of(rows, kinds) == ("2\ta\\tb\t\\N\t5\tx\n3\tc\\\\d\t2024-01-01\t\\N\ty\\nz\n")
    assert copy_text_of([(1, "p", "2024-02-01", 7, "q")], kinds) == "1\tp\t2024-02-01\t7\tq\n"


def _one_by_one(data: bytes) -> list[tuple[int, list[str]]]:
    """What a plain csv reader gives, record by record, with the line each record starts on."""
    reader = csv.reader(io.StringIO(data.decode("utf-8"), newline=""), strict=False)
    found, end = [], 0
    for values in reader:
        found.append((end + 1, values))
        end = reader.line_num
    return found


PLAIN_AND_QUOTED = (
    'a,b\n1,"3,402"\n2,x\r\n3,"say ""hi"""\n4,a"b\n\n5,"two\nlines"\n6,"\n"\n'
    '7,x,extra\n8,"a,\r\nb"\r\n9, "q" \n10,end'
)


@pytest.mark.parametrize("text", [TEXT + '7,"a\n\nb"\n8,x\n', PLAIN_AND_QUOTED])
@pytest.mark.parametrize("size", [1, 2, 3, 5, 1000])
def test_batches_of_any_size_give_the_records_and_lines_of_a_plain_reader(size, text):
    data = text.encode("utf-8")
    header, batches = CsvStream(io.BytesIO(data), "f.csv", "utf-8").read(size)
    assert header is not None
    found = [(header.line, header.values)]
    for batch in batches:
        assert len(batch.lines) <= size
        found += list(zip(batch.lines, batch.values, strict=True))
    assert found == _one_by_one(data)


def test_plain_lines_come_as_one_flat_list_and_a_quoted_one_is_read_as_csv():
    data = 'a,b,c\n1,"3,402",x\n2,y,"z ""q"""\r\n3,,\n'.encode("cp932")
    _header, batches = CsvStream(io.BytesIO(data), "f.csv", "cp932").read(10)
    (batch,) = list(batches)
    assert list(batch.lines) == [2, 3, 4]
    assert batch.flat(3) == ["1", "3,402", "x", "2", "y", 'z "q"', "3", "", ""]
    assert batch.flat(2) is None


@pytest.mark.parametrize("size", [1, 2, 4, 1000])
def test_an_unreadable_record_refuses_the_file_at_the_line_it_starts(size):
    data = b'a,b\n1,"x\ny"\n2,z\n3,p\rq\n4,w\n'
    stream = CsvStream(io.BytesIO(data), "f.csv", "utf-8")
    with pytest.raises(FileRefused) as exc:
        _header, batches = stream.read(size)
        list(batches)
    assert exc.value.line == 5
