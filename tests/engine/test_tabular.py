"""CSV and .xlsx writing: byte order mark, CRLF, quoting, formula injection, chunks, and an
.xlsx openpyxl reads back row for row."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import pytest
from openpyxl import load_workbook

from engine.tabular import BOM, Cell, chunks, csv_chunks, safe, xlsx_chunks


def test_csv_starts_with_the_byte_order_mark_and_ends_lines_in_crlf() -> None:
    data = b"".join(csv_chunks(["编号", "状态"], [[1, "调解中"], [2, "已结案"]]))
    assert data.startswith(BOM)
    text = data[len(BOM) :].decode()
    assert text == "编号,状态\r\n1,调解中\r\n2,已结案\r\n"


def test_csv_quotes_commas_quotes_and_line_breaks() -> None:
    data = b"".join(csv_chunks(["a"], [['说"好",的'], ["两行\n文字"], [None]]))
    rows = list(csv.reader(io.StringIO(data[len(BOM) :].decode(), newline="")))
    assert rows == [["a"], ['说"好",的'], ["两行\n文字"], [""]]


@pytest.mark.parametrize("text", ["=1+1", "+86 10", "-2", "@SUM(A1)", "\tx", "\rx"])
def test_a_text_that_would_start_a_formula_is_made_plain(text: str) -> None:
    data = b"".join(csv_chunks(["h"], [[text]]))
    rows = list(csv.reader(io.StringIO(data[len(BOM) :].decode(), newline="")))
    assert rows[1] == ["'" + text]


def test_numbers_and_harmless_text_are_kept_as_they_are() -> None:
    assert safe(-2) == -2
    assert safe(1.5) == 1.5
    assert safe("a=b") == "a=b"
    assert safe(None) is None


def test_csv_comes_in_chunks_before_the_rows_end() -> None:
    produced: list[int] = []

    def rows() -> Iterator[list[Cell]]:
        for i in range(2500):
            produced.append(i)
            yield [i]

    stream = csv_chunks(["n"], rows(), rows_per_chunk=1000)
    head = next(stream)
    assert head == BOM + b"n\r\n" and produced == []
    first = next(stream)
    assert first.startswith(b"0\r\n") and len(produced) == 1000
    rest = list(stream)
    assert len(rest) == 2 and len(produced) == 2500


def test_xlsx_is_read_back_row_for_row() -> None:
    rows: list[list[Cell]] = [[1, None, 12.5, "是"], [2, "=HYPERLINK(1)", -3, "否"]]
    data = b"".join(xlsx_chunks(["编号", "状态", "率", "逾期"], rows, title="cases"))
    book = load_workbook(io.BytesIO(data), read_only=True)
    sheet = book["cases"]
    got = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert got == [
        ["编号", "状态", "率", "逾期"],
        [1, None, 12.5, "是"],
        [2, "'=HYPERLINK(1)", -3, "否"],
    ]


def test_xlsx_comes_in_chunks_of_the_size_asked() -> None:
    parts = list(xlsx_chunks(["n"], ([i, f"行{i}"] for i in range(3000)), chunk_bytes=4096))
    assert len(parts) > 1 and all(len(p) == 4096 for p in parts[:-1])
    book = load_workbook(io.BytesIO(b"".join(parts)), read_only=True)
    assert book.active is not None
    assert sum(1 for _ in book.worksheets[0].iter_rows()) == 3001


def test_a_sheet_title_excel_refuses_is_cleaned() -> None:
    data = b"".join(xlsx_chunks(["n"], [[1]], title="a/b:c*" + "x" * 40))
    book = load_workbook(io.BytesIO(data), read_only=True)
    assert book.sheetnames == ["a_b_c_" + "x" * 25]


def test_an_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError, match="pdf"):
        chunks("pdf", ["n"], [])
