"""The download links of the workroom queue, the overdue board and the rates page: they carry
the page's current filters and language, and the file holds what the page lists."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient

from engine.clock import ManualClock
from engine.tabular import BOM
from tests.pages.conftest import LoginAs, context_of


def rows_of(response: Any) -> list[list[str]]:
    assert response.status_code == 200, response.text
    assert response.content.startswith(BOM)
    return list(csv.reader(io.StringIO(response.content[len(BOM) :].decode(), newline="")))


def download(client: TestClient, page: Any) -> list[list[str]]:
    links = context_of(page)["exports"]
    assert f'href="{links.csv.replace("&", "&amp;")}"' in page.text
    assert f'href="{links.xlsx.replace("&", "&amp;")}"' in page.text
    return rows_of(client.get(links.csv))


@pytest.mark.parametrize("view", ["mine", "org", "overdue", "due_soon"])
def test_the_queue_exports_the_cases_of_its_tab(login_as: LoginAs, view: str) -> None:
    client = login_as("mediator")
    page = client.get("/workroom", params={"view": view})
    listed = {c.id for c in context_of(page)["cases"]}
    rows = download(client, page)
    assert rows[0][0] == "案件编号"
    assert {int(r[0]) for r in rows[1:]} == listed
    assert context_of(page)["total"] == len(rows) - 1


def test_the_queue_link_carries_the_filters_and_the_language(login_as: LoginAs) -> None:
    client = login_as("org_admin")
    client.get("/lang/en", params={"next": "/workroom"})
    page = client.get("/workroom", params={"view": "org", "workflow": "mediation", "q": "纠纷"})
    query = parse_qs(urlsplit(context_of(page)["exports"].csv).query)
    assert query == {
        "status": ["open"],
        "workflow": ["mediation"],
        "q": ["纠纷"],
        "lang": ["en"],
    }
    rows = download(client, page)
    assert rows[0][:3] == ["Case", "Workflow", "State"]
    assert {int(r[0]) for r in rows[1:]} == {c.id for c in context_of(page)["cases"]}
    assert {r[1] for r in rows[1:]} <= {"People's mediation"}
    assert "导出 CSV" not in page.text and "Export CSV" in page.text


def test_the_board_exports_what_it_lists(login_as: LoginAs, clock: ManualClock) -> None:
    clock.advance(timedelta(days=40))  # the demo's deadlines fall behind
    client = login_as("supervisor")
    page = client.get("/supervisor/overdue")
    rows = download(client, page)
    assert [int(r[0]) for r in rows[1:]] == [c.id for c in context_of(page)["cases"]]
    assert len(rows) > 1 and rows[0][3] == "是否逾期" and {r[3] for r in rows[1:]} <= {"是", "否"}
    assert "导出 Excel" in page.text


def test_the_rates_page_exports_its_table(login_as: LoginAs) -> None:
    client = login_as("supervisor")
    page = client.get(
        "/supervisor/rates", params={"by": "street", "from": "2026-01-01", "to": "2026-12-31"}
    )
    ctx = context_of(page)
    query = parse_qs(urlsplit(ctx["exports"].csv).query)
    assert query["group_by"] == ["street"]
    assert query["from"] == ["2026-01-01T00:00:00+08:00"]
    assert query["to"] == ["2027-01-01T00:00:00+08:00"]
    rows = download(client, page)
    assert [(r[1], int(r[3])) for r in rows[1:-1]] == [(x.label, x.cases) for x in ctx["lines"]]
    assert int(rows[-1][3]) == ctx["total"].cases
    xlsx = client.get(ctx["exports"].xlsx)
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
