"""The benchmarks run end to end and print their JSON line (tiny sizes; figures not checked)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.slow  # each benchmark runs as a process

ROOT = Path(__file__).resolve().parents[2]


def run(script: str, *args: str) -> dict[str, Any]:
    """`script`: a file under bench/, or ``-m module`` run from the project's root."""
    command = script.split() if script.startswith("-m ") else [str(ROOT / "bench" / script)]
    out = subprocess.run(
        [sys.executable, *command, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def test_asgi_cpu_fires_through_the_app() -> None:
    result = run("-m bench.asgi_cpu", "--firings", "20", "--rounds", "2")
    assert result["bench"] == "asgi_cpu"
    assert result["firings"] == 40
    assert result["cpu_us"] > 0 and len(result["cpu_us_rounds"]) == 2


def test_asgi_cpu_in_a_large_tree() -> None:
    result = run("-m bench.asgi_cpu", "--firings", "20", "--rounds", "1", "--tree", "300")
    assert result["units"] > 300 and result["cpu_us"] > 0


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_directory_import_imports_and_imports_again(fmt: str) -> None:
    result = run("-m bench.directory_import", "--units", "800", "--users", "300", "--format", fmt)
    assert result["bench"] == "directory_import" and result["format"] == fmt
    assert result["units_s"]["again_s"] >= 0 and result["users_s"]["apply_s"] > 0


def test_http_bench_fires_over_loopback_without_errors() -> None:
    result = run(
        "-m bench.http_load",
        "--seconds",
        "1",
        "--rate",
        "20",
        "--clients",
        "4",
        "--client-procs",
        "1",
    )
    assert result["transitions_per_s"] > 0
    assert result["throughput_errors"] == 0
    assert result["fixed_rate_errors"] == 0 and result["fixed_rate_unfinished"] == 0


def test_migrate_bench_previews_and_moves_every_case() -> None:
    result = run("migrate.py", "--quick", "--cases", "800", "--pg", "")
    assert result["bench"] == "migrate" and result["postgresql"] is None
    for size, cases in (("small", 200), ("large", 800)):
        figures = result["sqlite"][size]
        assert (figures["cases"], figures["movable"], figures["moved"]) == (cases, cases, cases)
        assert figures["failed"] == 0 and figures["preview_per_s"] > 0


def test_migrate_same_compares_the_rows_two_trees_write() -> None:
    result = run("migrate_same.py", "--against", str(ROOT), "--cases", "160")
    rows = result["sqlite"]["rows"]
    assert result["sqlite"]["differences"] == []
    assert rows["cases"] == 160 and rows["events"] > 160 and rows["migration_cases"] > 0


def test_rates_bench_counts_a_seeded_history() -> None:
    pg = os.environ.get("FENGQIAO_TEST_PG", "")
    result = run("rates.py", "--closed", "300", "--open", "30", "--runs", "1", "--pg", pg)
    assert result["bench"] == "rates"
    for db in ("sqlite", "postgres") if pg else ("sqlite",):
        figures = result[db]
        assert figures["cases"] == 330 and figures["events"] > 330
        for who in ("admin", "supervisor"):
            assert 300 <= figures[who]["trend_cases"] <= 330  # opened over ~12 months
            assert figures[who]["month_by_organisation"]["median_ms"] > 0


def test_board_bench_ranks_a_seeded_history() -> None:
    pg = os.environ.get("FENGQIAO_TEST_PG", "")
    result = run("board.py", "--closed", "300", "--open", "30", "--runs", "1", "--pg", pg)
    assert result["bench"] == "board"
    for db in ("sqlite", "postgres") if pg else ("sqlite",):
        figures = result[db]
        assert figures["cases"] == 330
        for who in ("admin", "supervisor"):
            assert 0 < figures[who]["on_board"] <= 30  # open cases only
            assert figures[who]["board_first_page"]["median_ms"] > 0
        assert figures["urge_50_cases"]["median_ms"] > 0


def test_export_bench_writes_every_case_at_both_sizes() -> None:
    result = run("export.py", "--small", "60", "--large", "300", "--pg", "")
    assert result["bench"] == "export" and result["postgresql"] is None
    for size, cases in (("small", 60), ("large", 300)):
        for fmt in ("csv", "xlsx"):
            figures = result["sqlite"][size][fmt]
            assert figures["rows"] == cases and figures["peak_alloc_mb"] > 0


def test_timers_bench_fires_a_month_of_recurring_occurrences() -> None:
    result = run("timers.py", "--scenario", "recurring", "--timers", "200", "--pg", "")
    assert result["scenario"] == "recurring"
    assert result["sqlite"]["occurrences_fired"] == 200  # two half months for each of 100 cases
    assert result["sqlite"]["one_sweeper"]["errors"] == 0
    assert result["sqlite"]["next_armed"] == [["half_year_summary", 1], ["progress_report", 3]]
    assert result["cpu_s"] > 0 and result["occurrences_per_cpu_s"] > 0


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_hotline_imports_and_imports_again(fmt: str) -> None:
    result = run("-m bench.hotline", "--rows", "300", "--units", "1000", "--format", fmt)
    assert result["bench"] == "hotline" and result["rows"] == 300
    assert result["apply_rows_s"] > 0 and result["again_s"] >= 0


def test_hotline_bench_runs_only_the_steps_asked() -> None:
    result = run("-m bench.hotline", "--rows", "200", "--units", "1000", "--only", "apply")
    assert result["apply_rows_s"] > 0
    assert "preview_s" not in result and "again_s" not in result


def test_duplicate_suggestions_bench_answers_and_finds_some() -> None:
    result = run("duplicates.py", "--open", "2000", "--probes", "60", "--pg", "")
    assert result["bench"] == "duplicates" and result["open"] == 2000
    sqlite = result["sqlite"]
    assert sqlite["sketch_rows"] > 2000 and sqlite["admin"]["with_suggestions"] > 0
    assert sqlite["admin"]["p99_ms"] >= sqlite["admin"]["p50_ms"] > 0
