"""Reading CSV and .xlsx files safely: encodings, caps checked while streaming, formulas."""

from __future__ import annotations

import io
import time

from engine.sheets import (
    MAX_COLUMNS,
    column_letter,
    csv_chunks,
    decode_text,
    read_sheet,
    write_xlsx,
)

TEXT = "单位编码,单位名称,类型\nd1,东城区,区\n"


def test_csv_in_utf8_with_and_without_bom_and_in_gbk() -> None:
    for raw, encoding in (
        (TEXT.encode("utf-8"), "utf-8"),
        (b"\xef\xbb\xbf" + TEXT.encode("utf-8"), "utf-8-sig"),
        (TEXT.encode("gbk"), "gb18030"),
        (TEXT.encode("gb18030"), "gb18030"),
    ):
        sheet = read_sheet(io.BytesIO(raw), "units.csv")
        assert sheet.encoding == encoding
        assert sheet.header == ("单位编码", "单位名称", "类型")
        assert sheet.rows == ((2, ("d1", "东城区", "区")),)
        assert sheet.problems == ()


def test_a_file_neither_utf8_nor_gbk_is_refused_clearly() -> None:
    sheet = read_sheet(io.BytesIO(TEXT.encode("utf-16")), "units.csv")
    assert [(p.row, p.code) for p in sheet.problems] == [(None, "encoding")]
    assert decode_text(b"\x81\x20\xff") is None


def test_an_empty_file_and_a_broken_workbook() -> None:
    assert read_sheet(io.BytesIO(b"  \n"), "a.csv").problems[0].code == "empty"
    assert read_sheet(io.BytesIO(b"PK\x03\x04broken"), "a.xlsx").problems[0].code == "not_xlsx"
    assert read_sheet(io.BytesIO(b"a,b\n"), "a.xlsx").problems[0].code == "not_xlsx"


class CountingStream(io.RawIOBase):
    """An endless file of short rows that counts how much was read of it."""

    def __init__(self, row: bytes) -> None:
        self.row = row
        self.served = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        size = 1 << 16 if size < 0 else size
        chunk = (self.row * (size // len(self.row) + 1))[:size]
        self.served += len(chunk)
        return chunk


def test_the_byte_cap_is_checked_while_streaming() -> None:
    stream = CountingStream(b"code,name,kind\n")
    started = time.perf_counter()
    sheet = read_sheet(stream, "units.csv", max_bytes=1 << 20)  # type: ignore[arg-type]
    assert [p.code for p in sheet.problems] == ["too_large"]
    assert stream.served <= (1 << 20) + (1 << 16)  # stopped at the cap, not at the end
    assert time.perf_counter() - started < 5


def test_a_million_rows_are_refused_at_the_row_cap_quickly() -> None:
    raw = b"code\n" + b"a\n" * 1_000_000
    started = time.perf_counter()
    sheet = read_sheet(io.BytesIO(raw), "units.csv")
    assert [p.code for p in sheet.problems] == ["too_many_rows"]
    assert sheet.rows == ()
    assert time.perf_counter() - started < 5


def test_formula_cells_are_refused_by_row_and_column() -> None:
    sheet = read_sheet(io.BytesIO("单位编码,单位名称\nd1,=HYPERLINK(1)\n".encode()), "u.csv")
    assert [(p.row, p.column, p.code, p.value) for p in sheet.problems] == [
        (2, "单位名称", "formula", "=HYPERLINK(1)")
    ]


def test_xlsx_read_and_written_with_formulas_refused_and_never_written() -> None:
    out = io.BytesIO()
    write_xlsx(out, ["单位编码", "单位名称"], [["1101", "=1+1"], ["d2", "西城区"]], "单位")
    sheet = read_sheet(io.BytesIO(out.getvalue()), "units.xlsx")
    assert sheet.file_format == "xlsx"
    assert sheet.rows == ((2, ("1101", "=1+1")), (3, ("d2", "西城区")))
    assert [(p.row, p.column, p.code) for p in sheet.problems] == [(2, "单位名称", "formula")]


def test_an_xlsx_formula_typed_in_a_spreadsheet_is_refused() -> None:
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["单位编码", "单位名称"])
    book.active.append(["d1", "=A1&A2"])
    book.active.append([1101, "数字编码"])
    out = io.BytesIO()
    book.save(out)
    sheet = read_sheet(io.BytesIO(out.getvalue()), "units.xlsx")
    assert [(p.row, p.column, p.code) for p in sheet.problems] == [(2, "单位名称", "formula")]
    assert sheet.rows[1] == (3, ("1101", "数字编码"))  # a number read back as its digits


def test_too_many_columns_and_long_cells() -> None:
    wide = ",".join(["x"] * (MAX_COLUMNS + 1))
    sheet = read_sheet(io.BytesIO(f"a\n{wide}\nb{'y' * 2000}\n".encode()), "u.csv")
    found = [(p.row, p.code) for p in sheet.problems]
    assert found == [(2, "too_many_columns"), (3, "cell_too_long")]


def test_blank_lines_are_skipped_and_rows_keep_their_numbers() -> None:
    sheet = read_sheet(io.BytesIO(b"\ncode,name\n\nd1,x\n,\nd2,y,,\n"), "u.csv")
    assert sheet.rows == ((4, ("d1", "x")), (6, ("d2", "y")))


def test_csv_written_in_utf8_with_a_bom_reads_back() -> None:
    raw = b"".join(csv_chunks(["单位编码", "单位名称"], [[f"c{i}", "名,称"] for i in range(1200)]))
    assert raw.startswith(b"\xef\xbb\xbf")
    sheet = read_sheet(io.BytesIO(raw), "u.csv")
    assert len(sheet.rows) == 1200 and sheet.rows[0] == (2, ("c0", "名,称"))


def test_column_letters() -> None:
    assert [column_letter(i) for i in (0, 25, 26, 51, 52)] == ["A", "Z", "AA", "AZ", "BA"]


def test_a_workbook_that_unpacks_to_too_much_is_refused_before_parsing() -> None:
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b" " * (300 << 20))
    assert len(out.getvalue()) < (1 << 20)
    started = time.perf_counter()
    sheet = read_sheet(io.BytesIO(out.getvalue()), "bomb.xlsx")
    assert [p.code for p in sheet.problems] == ["too_large"]
    assert time.perf_counter() - started < 5
