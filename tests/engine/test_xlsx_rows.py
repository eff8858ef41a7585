"""Reading an .xlsx sheet's rows from its XML: shared and inline strings, phonetic guides left
out, numbers as written, formulas shown as formulas, rows and cells the file leaves out."""

from __future__ import annotations

import io
import zipfile

import pytest

from engine.xlsx_rows import XlsxError, xlsx_rows

NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
R = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
WORKBOOK = (
    f'<workbook {NS} {R}><sheets><sheet name="单位" sheetId="1" r:id="rId7"/></sheets></workbook>'
)
RELS = (
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId7" Type="worksheet" Target="worksheets/data.xml"/></Relationships>'
)
SHARED = (
    f"<sst {NS}><si><t>单位编码</t></si>"
    '<si><r><t>东城</t></r><r><t>区</t></r><rPh sb="0" eb="1"><t>dong</t></rPh></si></sst>'
)
SHEET = (
    f"<worksheet {NS}><sheetData>"
    '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="C1" t="inlineStr"><is><t>类型</t></is></c></row>'
    '<row r="3"><c r="A3"><v>1101</v></c><c r="B3" t="s"><v>1</v></c>'
    '<c r="C3" t="str"><f>A3&amp;"x"</f><v>1101x</v></c><c r="D3" t="b"><v>1</v></c>'
    '<c r="E3"><v>2.5</v></c></row>'
    "</sheetData></worksheet>"
)


def workbook(sheet: str = SHEET, shared: str | None = SHARED, rels: str = RELS) -> io.BytesIO:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("xl/workbook.xml", WORKBOOK)
        z.writestr("xl/_rels/workbook.xml.rels", rels)
        if shared is not None:
            z.writestr("xl/sharedStrings.xml", shared)
        z.writestr("xl/worksheets/data.xml", sheet)
    out.seek(0)
    return out


def test_strings_numbers_formulas_and_gaps() -> None:
    assert list(xlsx_rows(workbook(), 64)) == [
        ["单位编码", "", "类型"],
        [],
        ["1101", "东城区", '=A3&"x"', "TRUE", "2.5"],
    ]


def test_a_row_wider_than_the_cap_is_cut_one_past_it() -> None:
    sheet = SHEET.replace('<c r="E3">', '<c r="Z3"><v>9</v></c><c r="E3">')
    rows = list(xlsx_rows(workbook(sheet), 2))
    assert rows[2] == ["1101", "东城区", '=A3&"x"']


def test_broken_workbooks_are_refused() -> None:
    with pytest.raises(XlsxError):
        list(xlsx_rows(workbook(shared=None), 64))  # a shared string that is not there
    with pytest.raises(XlsxError):
        list(xlsx_rows(workbook(rels=RELS.replace("rId7", "rId8")), 64))
    with pytest.raises(XlsxError):
        list(xlsx_rows(io.BytesIO(b"PK\x03\x04 not a zip"), 64))


def test_a_workbook_saved_by_a_spreadsheet_library_reads_back() -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["用户名", "姓名"])
    sheet.cell(row=4, column=3, value="跳过的行")
    sheet.cell(row=5, column=1, value=3.0)
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    assert list(xlsx_rows(out, 64)) == [["用户名", "姓名"], [], [], ["", "", "跳过的行"], ["3"]]
