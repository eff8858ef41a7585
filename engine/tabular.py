"""Rows to CSV and .xlsx, written as a stream of byte chunks.

CSV is UTF-8 with a byte order mark (Excel on Chinese Windows reads it as UTF-8 only then),
lines end in CRLF, and a text cell that a spreadsheet would read as a formula (it starts with
= + - @, or a tab or carriage return) is prefixed with an apostrophe. The .xlsx is written by
openpyxl's write-only workbook, which keeps its rows in a temporary file rather than in
memory; the finished file is read back in chunks. Both keep memory flat however many rows
they are given.
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterable, Iterator, Sequence

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

Cell = str | int | float | None

BOM = "\ufeff".encode()
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
ROWS_PER_CHUNK = 500
CHUNK_BYTES = 64 * 1024
CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS: tuple[str, ...] = ("csv", "xlsx")


def safe(value: Cell) -> Cell:
    """The value with a text that would start a formula made plain text."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_chunks(
    header: Sequence[str], rows: Iterable[Sequence[Cell]], *, rows_per_chunk: int = ROWS_PER_CHUNK
) -> Iterator[bytes]:
    """The CSV file: the byte order mark and the header first, then a chunk per
    `rows_per_chunk` rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([safe(h) for h in header])
    yield BOM + buffer.getvalue().encode()
    buffer.seek(0)
    buffer.truncate()
    pending = 0
    for row in rows:
        writer.writerow(["" if v is None else safe(v) for v in row])
        pending += 1
        if pending >= rows_per_chunk:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
            pending = 0
    if pending:
        yield buffer.getvalue().encode()


def xlsx_chunks(
    header: Sequence[str],
    rows: Iterable[Sequence[Cell]],
    *,
    title: str = "export",
    chunk_bytes: int = CHUNK_BYTES,
) -> Iterator[bytes]:
    """The .xlsx file in chunks of `chunk_bytes`: one sheet, a bold header row, then the rows.
    The chunks come once the last row is written (a zip file's directory is at its end)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_sheet_title(title))
    bold = Font(bold=True)
    head = []
    for h in header:
        cell = WriteOnlyCell(sheet, value=safe(h))
        cell.font = bold
        head.append(cell)
    sheet.append(head)
    for row in rows:
        sheet.append([safe(v) for v in row])
    with tempfile.TemporaryFile() as out:
        workbook.save(out)
        out.seek(0)
        while chunk := out.read(chunk_bytes):
            yield chunk


def chunks(
    fmt: str, header: Sequence[str], rows: Iterable[Sequence[Cell]], *, title: str = "export"
) -> Iterator[bytes]:
    """The file in `fmt` (one of FORMATS)."""
    if fmt == "csv":
        return csv_chunks(header, rows)
    if fmt == "xlsx":
        return xlsx_chunks(header, rows, title=title)
    raise ValueError(f"unknown export format {fmt!r}; one of {', '.join(FORMATS)}")


def media_type(fmt: str) -> str:
    return CSV_TYPE if fmt == "csv" else XLSX_TYPE


def _sheet_title(title: str) -> str:
    """A sheet title Excel accepts: at most 31 characters, none of []:*?/\\."""
    cleaned = "".join("_" if c in "[]:*?/\\" else c for c in title).strip("'")
    return cleaned[:31] or "export"
