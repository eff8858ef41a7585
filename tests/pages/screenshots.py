"""Take the README's screenshots of the three main pages, on the demo data.

    .venv/bin/python -m tests.pages.screenshots [folder]    # default: docs/screenshots

Seeds the demo into a temporary SQLite database, serves it on a loopback port and drives
Debian's Chromium: the workroom queue (a mediator, two weeks after the demo was seeded, so the
deadlines show all three colours), the grid member's report form on a phone, and the
supervisor's page of the grid workflow with its diagram.
"""

from __future__ import annotations

import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from playwright.sync_api import sync_playwright

from api.app import create_app
from engine.clock import ManualClock
from fengqiao.context import build
from fengqiao.demo import seed
from fengqiao.settings import Settings
from tests.conftest import DEFINITIONS, ROOT
from tests.pages.conftest import PASSWORDS
from tests.pages.live import LiveServer
from tests.pages.test_browser import ARGS, CHROMIUM, DESK, PHONE


def main(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        clock = ManualClock(datetime(2026, 11, 23, 1, 0, tzinfo=UTC))
        settings = Settings(database_url=f"sqlite:///{tmp}/fq.db", definitions_dir=DEFINITIONS)
        ctx = build(settings, clock)
        seed(ctx)
        clock.advance(timedelta(days=14, hours=5))
        app = create_app(ctx.cw, uploads_dir=Path(tmp) / "uploads")
        with LiveServer(app) as live, sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)

            def signed_in(username: str, device: dict[str, Any]) -> Any:
                page = browser.new_context(locale="zh-CN", **device).new_page()
                page.goto(live.url + "/login")
                page.fill("#username", username)
                page.fill("#password", PASSWORDS[username])
                page.click("button[type=submit]")
                page.wait_for_load_state()
                return page

            page = signed_in("mediator", DESK)
            page.goto(live.url + "/workroom?view=org")
            page.screenshot(path=str(folder / "workroom-queue.png"), full_page=True)

            phone = signed_in("grid_member", PHONE)
            phone.goto(live.url + "/grid/report")
            phone.select_option("#f_category", "road_facility")
            phone.select_option("#f_severity", "yellow")
            phone.fill("#f_location", "和平里七区东门")
            phone.fill("#f_description", "路灯杆倾斜，有倒伏危险")
            phone.screenshot(path=str(folder / "grid-report-phone.png"), full_page=True)

            sup = signed_in("supervisor", DESK)
            sup.goto(live.url + "/supervisor/definitions/grid_escalation")
            sup.wait_for_selector(".diagram[data-drawn]")
            sup.screenshot(path=str(folder / "supervisor-definition.png"))
            browser.close()
        ctx.close()


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "screenshots")
