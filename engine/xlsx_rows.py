"""The rows of an .xlsx workbook's first sheet as text, read straight from its XML parts
(zipfile and ElementTree's iterparse, a row at a time): several times faster than a general
spreadsheet library, and all an import needs.

A formula cell reads as ``=`` and its formula, whatever value it cached, so the import
refuses it. Numbers read back as written (``1101``, not ``1101.0``); a date reads as its serial
number. Rows and cells keep their places: a row or a cell the file leaves out reads empty.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from collections.abc import Iterator
from typing import IO
from xml.etree.ElementTree import Element, iterparse

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_REF = re.compile(r"^([A-Z]{1,3})(\d+)$")


class XlsxError(ValueError):
    """Raised when the archive is not a workbook this reader understands."""


def _column_index(letters: str) -> int:
    index = 0
    for ch in letters:
        index = index * 26 + ord(ch) - 64
    return index - 1


def _text_of(item: Element) -> str:
    """The text of a string item (<si> or <is>): its runs, without phonetic guides (<rPh>)."""
    parts: list[str] = []
    for child in item:
        if child.tag == MAIN + "t":
            parts.append(child.text or "")
        elif child.tag == MAIN + "r":
            parts.extend(t.text or "" for t in child.iter(MAIN + "t"))
    return "".join(parts)


def _first_sheet(archive: zipfile.ZipFile) -> str:
    with archive.open("xl/workbook.xml") as f:
        sheet = next((el for _, el in iterparse(f) if el.tag == MAIN + "sheet"), None)
    if sheet is None:
        raise XlsxError("the workbook has no sheet")
    rel_id = sheet.get(REL + "id")
    with archive.open("xl/_rels/workbook.xml.rels") as f:
        for _, el in iterparse(f):
            if el.tag == PKG_REL + "Relationship" and el.get("Id") == rel_id:
                target = el.get("Target", "")
                if target.startswith("/"):
                    return target.lstrip("/")
                return posixpath.normpath(posixpath.join("xl", target))
    raise XlsxError("the workbook's first sheet is missing")


def _shared_strings(archive: zipfile.ZipFile) -> list[str]:
    if "xl/sharedStrings.xml" not in archive.namelist():
        return []
    out: list[str] = []
    with archive.open("xl/sharedStrings.xml") as f:
        for _, el in iterparse(f):
            if el.tag == MAIN + "si":
                out.append(_text_of(el))
                el.clear()
    return out


def _number(text: str) -> str:
    try:
        value = float(text)
    except ValueError:
        return text
    if value.is_integer() and abs(value) < 1e16:
        return str(int(value))
    return text


def _cell(c: Element, shared: list[str]) -> str:
    formula = c.find(MAIN + "f")
    if formula is not None:
        return "=" + (formula.text or "")
    kind = c.get("t", "n")
    if kind == "inlineStr":
        item = c.find(MAIN + "is")
        return _text_of(item) if item is not None else ""
    value = c.find(MAIN + "v")
    text = value.text or "" if value is not None else ""
    if kind == "s":
        try:
            return shared[int(text)]
        except (ValueError, IndexError):
            raise XlsxError("a cell names a shared string that does not exist") from None
    if kind == "b":
        return "TRUE" if text == "1" else "FALSE"
    if kind == "n":
        return _number(text)
    return text  # str (a formula's cached text, formula checked above), e (an error)


def xlsx_rows(source: IO[bytes], max_columns: int) -> Iterator[list[str]]:
    """Each row of the first sheet, from row 1, as at most `max_columns` + 1 texts (the
    extra one says the row is too wide)."""
    try:
        archive = zipfile.ZipFile(source)
    except zipfile.BadZipFile as exc:
        raise XlsxError(str(exc)) from None
    with archive:
        try:
            sheet = _first_sheet(archive)
            shared = _shared_strings(archive)
            handle = archive.open(sheet)
        except KeyError as exc:
            raise XlsxError(f"a part of the workbook is missing: {exc}") from None
        with handle:
            expected = 1
            for _, el in iterparse(handle):
                if el.tag != MAIN + "row":
                    continue
                number = int(el.get("r") or expected)
                while expected < number:  # rows the file leaves out
                    yield []
                    expected += 1
                cells: list[str] = []
                for c in el.iter(MAIN + "c"):
                    ref = _REF.match(c.get("r") or "")
                    index = _column_index(ref.group(1)) if ref else len(cells)
                    if index > max_columns:
                        break
                    cells.extend([""] * (index - len(cells)))
                    cells.append(_cell(c, shared))
                el.clear()
                expected = number + 1
                yield cells
