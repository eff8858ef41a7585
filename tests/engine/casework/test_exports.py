"""Exports on SQLite and PostgreSQL: the list's own filters and visibility, every row read a
keyset page at a time, labels in the language asked for, no personal data, one audit entry
written with the first page."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from typing import Any

import pytest
from openpyxl import load_workbook

from engine.casework.board import BoardQuery, overdue_board
from engine.casework.cases import CaseFilter
from engine.casework.context import Casework
from engine.casework.errors import NotPermittedError
from engine.casework.exports import EXPORT, export_board, export_cases, export_rates
from engine.casework.parties import NewParty, record_party
from engine.casework.rates import RateQuery
from engine.clock import ManualClock
from engine.model import Actor
from engine.store import audit
from engine.tabular import BOM
from tests.engine.casework.conftest import TREE, person

MEDIATOR = Actor("mediator", "mediator")
REGISTER = {
    "category": "family",
    "source": "walk_in",
    "description": "=邻里纠纷",
    "notice_given": True,
}


def open_mediation(cw: Casework, org: str = "union", **data: Any) -> int:
    parties = [NewParty("applicant", "张三丰", phone="13800001111")]
    opened = cw.service.open_case("mediation", MEDIATOR, data, org_unit=org)
    with cw.store.transaction() as tx:
        for p in parties:
            record_party(cw, tx, person("mediator"), opened.case.id, p)
    return opened.case.id


ASSESS = {
    "category": "family",
    "risk_level": "low",
    "in_scope": True,
    "organisation": "union",
    "mediator": "mediator",
    "domestic_violence": False,
    "crime_risk": False,
}


def in_mediation(cw: Casework) -> int:
    """A case in mediation: its one-month deadline running."""
    case_id = open_mediation(cw)
    cw.service.fire(case_id, "register", MEDIATOR, REGISTER)
    cw.service.fire(case_id, "start_mediation", MEDIATOR, ASSESS)
    return case_id


def csv_rows(data: bytes) -> list[list[str]]:
    assert data.startswith(BOM)
    return list(csv.reader(io.StringIO(data[len(BOM) :].decode(), newline="")))


def exports_audited(cw: Casework) -> list[dict[str, Any]]:
    with cw.store.transaction(write=False) as tx:
        found = audit.entries(tx, limit=50)
    return [json.loads(e.reason) for e in found if e.action == EXPORT]


def test_every_visible_case_newest_first_in_keyset_pages(cw: Casework) -> None:
    ids = [open_mediation(cw) for _ in range(5)]
    hidden = open_mediation(cw, org="women")
    export = export_cases(cw, person("mediator"), TREE, CaseFilter(), fmt="csv", lang="zh", batch=2)
    rows = csv_rows(b"".join(export.chunks("csv")))
    assert rows[0][:3] == ["案件编号", "流程", "状态"]
    assert [int(r[0]) for r in rows[1:]] == sorted(ids, reverse=True)
    assert str(hidden) not in {r[0] for r in rows[1:]}
    assert export.total == 5
    assert rows[1][1:3] == ["人民调解", "受理登记"]
    assert rows[1][4] == "区总工会"


def test_the_filters_are_the_lists_own(cw: Casework, clock: ManualClock) -> None:
    registered = open_mediation(cw)
    cw.service.fire(registered, "register", MEDIATOR, REGISTER)
    open_mediation(cw)
    case = cw.service.open_case("mediation", MEDIATOR, {}, org_unit="union").case
    f = CaseFilter(state=case.state, workflow="mediation")
    export = export_cases(cw, person("org_admin"), TREE, f, fmt="csv", lang="en")
    rows = csv_rows(b"".join(export.chunks("csv")))
    assert rows[0][:3] == ["Case", "Workflow", "State"]
    assert registered not in [int(r[0]) for r in rows[1:]] and len(rows) == 3
    text = export_cases(
        cw, person("org_admin"), TREE, CaseFilter(text="邻里"), fmt="csv", lang="en"
    )
    got = csv_rows(b"".join(text.chunks("csv")))
    assert [int(r[0]) for r in got[1:]] == [registered]
    assert got[1][3] == "Family"  # the category's label, in English


def test_due_before_keeps_the_cases_with_a_deadline_that_soon(cw: Casework) -> None:
    open_mediation(cw)
    case_id = in_mediation(cw)
    now = cw.clock.now()
    soon = export_cases(
        cw,
        person("mediator"),
        TREE,
        CaseFilter(due_before=now + timedelta(days=400)),
        fmt="csv",
        lang="zh",
    )
    never = export_cases(
        cw,
        person("mediator"),
        TREE,
        CaseFilter(due_before=now - timedelta(days=1)),
        fmt="csv",
        lang="zh",
    )
    assert [int(r[0]) for r in csv_rows(b"".join(soon.chunks("csv")))[1:]] == [case_id]
    assert csv_rows(b"".join(never.chunks("csv")))[1:] == []


def test_no_personal_data_and_no_free_text_is_exported(cw: Casework) -> None:
    case_id = open_mediation(cw)
    cw.service.fire(case_id, "register", MEDIATOR, REGISTER)
    for fmt in ("csv", "xlsx"):
        export = export_cases(cw, person("mediator"), TREE, CaseFilter(), fmt=fmt, lang="zh")
        data = b"".join(export.chunks(fmt))
        if fmt == "csv":
            text = data.decode("utf-8-sig")
        else:
            sheet = load_workbook(io.BytesIO(data), read_only=True).worksheets[0]
            text = repr([list(r) for r in sheet.iter_rows(values_only=True)])
        assert "张三丰" not in text and "13800001111" not in text and "邻里纠纷" not in text


def test_the_export_is_audited_with_what_and_the_filters(cw: Casework) -> None:
    open_mediation(cw)
    f = CaseFilter(workflow="mediation", open_only=True, text="x")
    export_cases(cw, person("mediator"), TREE, f, fmt="xlsx", lang="zh")
    [entry] = exports_audited(cw)
    assert entry == {
        "what": "cases",
        "format": "xlsx",
        "filters": {"workflow": "mediation", "open_only": True, "text": "x"},
        "rows": 0,
    }


def test_xlsx_holds_the_same_rows(cw: Casework) -> None:
    ids = [open_mediation(cw) for _ in range(3)]
    export = export_cases(cw, person("mediator"), TREE, CaseFilter(), fmt="xlsx", lang="zh")
    sheet = load_workbook(io.BytesIO(b"".join(export.chunks("xlsx"))), read_only=True)["cases"]
    got = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert got[0][0] == "案件编号"
    assert [r[0] for r in got[1:]] == sorted(ids, reverse=True)


def test_the_board_exports_its_cases_with_its_columns_for_its_readers(
    cw: Casework, clock: ManualClock
) -> None:
    late = in_mediation(cw)
    clock.advance(timedelta(days=40))
    fresh = in_mediation(cw)
    board = overdue_board(cw, person("org_admin"), BoardQuery())
    export = export_board(cw, person("org_admin"), TREE, None, fmt="csv", lang="zh", batch=1)
    rows = csv_rows(b"".join(export.chunks("csv")))
    assert rows[0][:4] == ["案件编号", "流程", "状态", "是否逾期"]
    assert [int(r[0]) for r in rows[1:]] == [i.case.id for i in board.items] == [late]
    assert fresh != late
    line = dict(zip(rows[0], rows[1], strict=True))
    item = board.items[0]
    assert line["是否逾期"] == "是" and item.late is not None
    assert float(line["逾期时长(小时)"]) == round(item.late.seconds / 3600, 1)
    assert line["层级"] == str(item.tier) and line["催办次数"] == "0"
    assert exports_audited(cw)[0]["what"] == "board"
    with pytest.raises(NotPermittedError):
        export_board(cw, person("mediator"), TREE, None, fmt="csv", lang="zh")


def test_the_rates_export_a_line_per_group_and_the_total(cw: Casework) -> None:
    open_mediation(cw)
    open_mediation(cw, org="women")
    q = RateQuery(group_by="organisation")
    export = export_rates(cw, person("supervisor"), TREE, q, fmt="csv", lang="zh")
    rows = csv_rows(b"".join(export.chunks("csv")))
    assert rows[0][:4] == ["分组", "名称", "排名", "案件数"]
    assert [(r[0], r[1], r[3]) for r in rows[1:]] == [
        ("union", "区总工会", "1"),
        ("women", "区妇联", "1"),
        ("all", "合计", "2"),
    ]
    [entry] = exports_audited(cw)
    assert entry["what"] == "rates" and entry["filters"]["group_by"] == "organisation"
    with pytest.raises(NotPermittedError):
        export_rates(cw, person("mediator"), TREE, q, fmt="csv", lang="zh")
    assert len(exports_audited(cw)) == 1
