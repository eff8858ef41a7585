"""Reading spreadsheets safely: a CSV file (UTF-8 with or without BOM, or GBK/GB18030) or an
.xlsx workbook (its first sheet), as rows of text, within a byte cap and a row cap.

The byte cap is checked while the file streams in, the row cap while its rows are read: a
file of a million rows is refused at the first row past the cap, never loaded whole. A cell
holding a formula (``=…``) is refused, not evaluated nor kept. Problems are returned with
their row (1 is the header) and column, never raised one at a time.
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import IO, BinaryIO
from xml.etree.ElementTree import ParseError

from engine.xlsx_rows import XlsxError, xlsx_rows

MAX_BYTES = 10 << 20  # 10 MiB
MAX_ROWS = 100_000  # data rows, the header left out
MAX_COLUMNS = 64
MAX_CELL = 1000  # characters
MAX_UNPACKED = 256 << 20  # an .xlsx workbook's parts, unpacked
_CHUNK = 1 << 16
_XLSX_MAGIC = b"PK\x03\x04"


@dataclass(frozen=True, slots=True)
class SheetProblem:
    """One problem of a file: where (row 1 is the header; None for the whole file; column by
    its header as written, or its letter when it has none), what (`code`, stable, for
    translations) and a sentence in English."""

    row: int | None
    column: str | None
    code: str
    detail: str
    value: str = ""


@dataclass(frozen=True, slots=True)
class Sheet:
    """A file's rows of text: the header's cells and each data row with its row number."""

    file_format: str  # csv | xlsx
    encoding: str  # utf-8 | utf-8-sig | gb18030 | xlsx
    header: tuple[str, ...]
    rows: tuple[tuple[int, tuple[str, ...]], ...]
    problems: tuple[SheetProblem, ...] = field(default=())


class SheetTooLarge(Exception):
    """Raised by `read_capped` when the stream holds more than its cap."""


def column_letter(index: int) -> str:
    """The spreadsheet letter of a 0-based column index: 0 → A, 26 → AA."""
    out = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        out = chr(65 + rest) + out
    return out


def read_capped(source: BinaryIO, cap: int = MAX_BYTES) -> bytes:
    """The stream's bytes, read by chunks; SheetTooLarge as soon as it passes `cap`."""
    chunks: list[bytes] = []
    size = 0
    while chunk := source.read(_CHUNK):
        size += len(chunk)
        if size > cap:
            raise SheetTooLarge(cap)
        chunks.append(chunk)
    return b"".join(chunks)


def _file_problem(code: str, detail: str) -> Sheet:
    return Sheet("", "", (), (), (SheetProblem(None, None, code, detail),))


def decode_text(raw: bytes) -> tuple[str, str] | None:
    """The text and encoding of a CSV file's bytes: UTF-8 (a BOM dropped), else GB18030
    (which reads GBK); None when it is neither (a NUL byte says UTF-16 or binary)."""
    if b"\x00" in raw:
        return None
    if raw.startswith(b"\xef\xbb\xbf"):
        try:
            return raw[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError:
            return None
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("gb18030"), "gb18030"
    except UnicodeDecodeError:
        return None


def read_sheet(
    source: BinaryIO,
    file_name: str,
    *,
    max_bytes: int = MAX_BYTES,
    max_rows: int = MAX_ROWS,
) -> Sheet:
    """The rows of a CSV or .xlsx file (by its content, its name's extension as a hint);
    a Sheet holding only a file problem when it cannot be read at all."""
    try:
        raw = read_capped(source, max_bytes)
    except SheetTooLarge:
        return _file_problem(
            "too_large", f"the file is larger than {max_bytes // (1 << 20)} MiB; split it"
        )
    if not raw.strip():
        return _file_problem("empty", "the file is empty")
    if raw.startswith(_XLSX_MAGIC):
        return _read_xlsx(raw, max_rows)
    if file_name.lower().endswith((".xlsx", ".xlsm", ".xls")):
        return _file_problem("not_xlsx", "the file is not an .xlsx workbook")
    decoded = decode_text(raw)
    if decoded is None:
        return _file_problem(
            "encoding", "the file is neither UTF-8 nor GBK/GB18030 text; save it as CSV UTF-8"
        )
    text, encoding = decoded
    return _collect("csv", encoding, _csv_rows(text), max_rows)


def _csv_rows(text: str) -> Iterator[list[str]]:
    yield from csv.reader(io.StringIO(text, newline=""))


def _read_xlsx(raw: bytes, max_rows: int) -> Sheet:
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            unpacked = sum(i.file_size for i in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError):
        return _file_problem("not_xlsx", "the file is not an .xlsx workbook")
    if unpacked > MAX_UNPACKED:  # a small archive of a huge sheet: refused before parsing
        return _file_problem(
            "too_large", f"the workbook unpacks to more than {MAX_UNPACKED >> 20} MiB; split it"
        )
    try:
        return _collect("xlsx", "xlsx", xlsx_rows(io.BytesIO(raw), MAX_COLUMNS), max_rows)
    except (XlsxError, ParseError, zipfile.BadZipFile, OSError, EOFError):
        return _file_problem("not_xlsx", "the file is not an .xlsx workbook")


def _collect(file_format: str, encoding: str, rows: Iterator[list[str]], max_rows: int) -> Sheet:
    problems: list[SheetProblem] = []
    header: tuple[str, ...] | None = None
    out: list[tuple[int, tuple[str, ...]]] = []
    try:
        for number, cells in enumerate(rows, start=1):
            if len(out) >= max_rows:
                return _file_problem(
                    "too_many_rows", f"the file has more than {max_rows} rows; split it"
                )
            cells = _trim(cells)
            if header is None:
                if not any(cells):
                    continue  # blank lines before the header
                header = tuple(c.strip() for c in cells)
                problems.extend(_cell_problems(number, header, header))
                continue
            if not any(c.strip() for c in cells):
                continue  # a blank line
            problems.extend(_cell_problems(number, header, cells))
            out.append((number, tuple(c.strip() for c in cells)))
    except csv.Error as exc:
        return _file_problem("not_csv", f"the file is not CSV: {exc}")
    if header is None:
        return _file_problem("empty", "the file has no header row")
    return Sheet(file_format, encoding, header, tuple(out), tuple(problems))


def _trim(cells: list[str]) -> list[str]:
    """The cells without the empty ones at the end of the row."""
    end = len(cells)
    while end and not cells[end - 1].strip():
        end -= 1
    return cells[:end]


def _cell_problems(
    number: int, header: tuple[str, ...], cells: tuple[str, ...] | list[str]
) -> Iterator[SheetProblem]:
    if len(cells) > MAX_COLUMNS:
        yield SheetProblem(
            number,
            column_letter(MAX_COLUMNS),
            "too_many_columns",
            f"a row may have at most {MAX_COLUMNS} columns",
        )
    for index, cell in enumerate(cells[:MAX_COLUMNS]):
        where = header[index] if index < len(header) and header[index] else column_letter(index)
        text = cell.strip()
        if text.startswith("="):
            yield SheetProblem(number, where, "formula", "formulas are refused", text[:50])
        elif len(text) > MAX_CELL:
            yield SheetProblem(
                number, where, "cell_too_long", f"at most {MAX_CELL} characters", text[:50]
            )


# ---- streaming -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RowStream:
    """A large file's rows, read as they are asked for (its header first); `problem`: why it
    cannot be read at all (then there are no rows)."""

    file_format: str
    encoding: str
    rows: Iterator[tuple[int, tuple[str, ...], list[SheetProblem]]]
    problem: SheetProblem | None = None


def _stream_problem(code: str, detail: str) -> RowStream:
    return RowStream("", "", iter(()), SheetProblem(None, None, code, detail))


def _csv_encoding(source: BinaryIO) -> str | None:
    """A CSV file's encoding, found by decoding it through once (it is read again after):
    UTF-8 (with or without a BOM), else GB18030; None when it is neither or holds NUL."""
    source.seek(0)
    head = source.read(3)
    bom = head == b"\xef\xbb\xbf"
    for encoding in ("utf-8", "gb18030"):
        source.seek(3 if bom else 0)
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            while chunk := source.read(_CHUNK):
                if b"\x00" in chunk:
                    return None
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            if bom:
                return None
            continue
        return "utf-8-sig" if bom else encoding
    return None


def stream_rows(
    source: BinaryIO,
    file_name: str,
    *,
    max_bytes: int,
    max_rows: int,
) -> RowStream:
    """The rows of a CSV or .xlsx file too large to hold (`source` must be seekable: an
    uploaded file spooled to disk), one at a time with each row's cell problems; the header
    is the first row yielded. Past `max_rows` data rows a `too_many_rows` problem ends them."""
    source.seek(0, io.SEEK_END)
    size = source.tell()
    source.seek(0)
    if size > max_bytes:
        return _stream_problem(
            "too_large", f"the file is larger than {max_bytes // (1 << 20)} MiB; split it"
        )
    head = source.read(len(_XLSX_MAGIC))
    source.seek(0)
    if not head.strip():
        return _stream_problem("empty", "the file is empty")
    if head == _XLSX_MAGIC:
        try:
            with zipfile.ZipFile(source) as archive:
                unpacked = sum(i.file_size for i in archive.infolist())
        except (zipfile.BadZipFile, ValueError, OSError):
            return _stream_problem("not_xlsx", "the file is not an .xlsx workbook")
        if unpacked > MAX_UNPACKED:
            return _stream_problem(
                "too_large", f"the workbook unpacks to more than {MAX_UNPACKED >> 20} MiB; split it"
            )
        source.seek(0)
        return RowStream("xlsx", "xlsx", _checked(xlsx_rows(source, MAX_COLUMNS), max_rows))
    if file_name.lower().endswith((".xlsx", ".xlsm", ".xls")):
        return _stream_problem("not_xlsx", "the file is not an .xlsx workbook")
    encoding = _csv_encoding(source)
    if encoding is None:
        return _stream_problem(
            "encoding", "the file is neither UTF-8 nor GBK/GB18030 text; save it as CSV UTF-8"
        )
    source.seek(0)
    return RowStream("csv", encoding, _checked(_csv_lines(source, encoding), max_rows))


def _csv_lines(source: BinaryIO, encoding: str) -> Iterator[list[str]]:
    """The CSV rows of a binary stream; the stream is left open (detached) when done."""
    text = io.TextIOWrapper(source, encoding=encoding, newline="")
    try:
        yield from csv.reader(text)
    finally:
        text.detach()


def _checked(
    rows: Iterator[list[str]], max_rows: int
) -> Iterator[tuple[int, tuple[str, ...], list[SheetProblem]]]:
    """The header, then each data row that is not blank, trimmed, with its cell problems."""
    header: tuple[str, ...] | None = None
    count = 0
    try:
        for number, cells in enumerate(rows, start=1):
            cells = _trim(cells)
            if header is None:
                if not any(cells):
                    continue
                header = tuple(c.strip() for c in cells)
                yield number, header, list(_cell_problems(number, header, header))
                continue
            if not any(c.strip() for c in cells):
                continue
            count += 1
            if count > max_rows:
                detail = f"the file has more than {max_rows} rows; split it"
                yield number, (), [SheetProblem(None, None, "too_many_rows", detail)]
                return
            row = tuple(c.strip() for c in cells)
            yield number, row, list(_cell_problems(number, header, cells))
    except csv.Error as exc:
        yield 0, (), [SheetProblem(None, None, "not_csv", f"the file is not CSV: {exc}")]
    except (XlsxError, ParseError, zipfile.BadZipFile, OSError, EOFError):
        yield 0, (), [SheetProblem(None, None, "not_xlsx", "the file is not an .xlsx workbook")]


# ---- writing -------------------------------------------------------------------------------

CSV_BOM = "\ufeff"
_CSV_BATCH = 500


def csv_chunks(header: Sequence[str], rows: Iterable[Sequence[str]]) -> Iterator[bytes]:
    """A CSV file in UTF-8 with a BOM (spreadsheet programs then read it as UTF-8), by
    chunks of rows, so a large export is never held whole."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write(CSV_BOM)
    writer.writerow(header)
    for count, row in enumerate(rows, start=1):
        writer.writerow(row)
        if count % _CSV_BATCH == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def write_xlsx(
    out: IO[bytes], header: Sequence[str], rows: Iterable[Sequence[str]], title: str
) -> None:
    """An .xlsx workbook of one sheet, written row by row (openpyxl's write-only mode). Every
    cell is text: a value starting with ``=`` is written as text, never as a formula."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title)

    def cells(values: Sequence[str]) -> list[WriteOnlyCell]:
        out_cells = []
        for v in values:
            cell = WriteOnlyCell(sheet, value=v)
            cell.data_type = "s"
            out_cells.append(cell)
        return out_cells

    sheet.append(cells(header))
    for row in rows:
        sheet.append(cells(row))
    book.save(out)
