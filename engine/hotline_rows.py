"""The layout of a 12345 hotline's export (docs/HOTLINE.md) and the check of its rows.

Columns are named in Chinese or by their English alias; other columns of the export are left
alone. Every problem is reported with its row and column; nothing here writes. A row's
诉求类型 names a service (engine.casework.outside_requests): its code
(`grid_escalation.sanitation`) or its Chinese name when only one service has it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo

from engine.directory_rows import Column, header_columns
from engine.external import ticket_problem
from engine.routing import coordinate_problem
from engine.sheets import SheetProblem

SOURCE = "12345"  # the source the hotline's cases carry
HOTLINE_COLUMNS: tuple[Column, ...] = (
    Column("ticket", "工单编号"),
    Column("called_at", "来电时间", required=False),
    Column("caller", "来电人", required=False),
    Column("phone", "联系电话", required=False),
    Column("category", "诉求类型"),
    Column("description", "诉求内容"),
    Column("address", "地址", required=False),
    Column("coordinates", "经纬度", required=False),
    Column("unit", "承办单位", required=False),
)
MAX_DESCRIPTION = 4000
MAX_ADDRESS = 500
MAX_CALLER = 64
MAX_PHONE = 32
_TIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M")


@dataclass(frozen=True, slots=True)
class HotlineLine:
    row: int
    ticket: str
    service_code: str
    description: str
    called_at: datetime | None = None
    caller: str | None = None
    phone: str | None = None
    address: str | None = None
    lat: float | None = None
    long: float | None = None
    unit: str | None = None  # the unit code 承办单位 names


@dataclass(frozen=True)
class Layout:
    """Where each column of a file is (by key), and its header as written."""

    index: dict[str, int]
    shown: dict[str, str]


def read_header(header: Sequence[str]) -> tuple[Layout, list[SheetProblem]]:
    """The file's layout and the header's problems (other columns are allowed)."""
    index, shown, problems = header_columns(header, HOTLINE_COLUMNS)
    return Layout(index, shown), [p for p in problems if p.code != "unknown_column"]


def _when(text: str, tz: tzinfo) -> datetime | None:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        moment = None
        for fmt in _TIME_FORMATS:
            try:
                moment = datetime.strptime(text, fmt)
                break
            except ValueError:
                continue
    if moment is None:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=tz)


def _coordinates(text: str) -> tuple[float, float] | str:
    parts = [p.strip() for p in text.replace("，", ",").split(",")]
    if len(parts) != 2:
        return "latitude,longitude: two numbers"
    try:
        lat, long = float(parts[0]), float(parts[1])
    except ValueError:
        return "latitude,longitude: two numbers"
    if not (math.isfinite(lat) and math.isfinite(long)):
        return "latitude,longitude: two numbers"
    problem = coordinate_problem(lat, long)
    return problem if problem is not None else (lat, long)


def check_line(
    number: int,
    cells: Sequence[str],
    layout: Layout,
    services: Mapping[str, str | None],
    units: Mapping[str, str | None],
    tz: tzinfo,
) -> tuple[HotlineLine | None, list[SheetProblem]]:
    """One row as a line to import, or its problems by column. `services`: a service's code
    or Chinese name → its code (None: the name is ambiguous); `units`: a unit's code or
    Chinese name → its code (None: ambiguous)."""
    problems: list[SheetProblem] = []

    def get(key: str) -> str:
        i = layout.index.get(key)
        return cells[i] if i is not None and i < len(cells) else ""

    def refuse(key: str, code: str, detail: str, value: str = "") -> None:
        problems.append(SheetProblem(number, layout.shown.get(key, key), code, detail, value[:50]))

    ticket = get("ticket")
    if not ticket:
        refuse("ticket", "required", "the ticket number is required")
    elif (problem := ticket_problem(ticket)) is not None:
        refuse("ticket", "invalid", problem, ticket)
    category = get("category")
    service_code = services.get(category)
    if not category:
        refuse("category", "required", "the request's type is required")
    elif category not in services:
        refuse("category", "unknown_service", "no service of this code or name", category)
    elif service_code is None:
        refuse("category", "ambiguous", "several services have this name; write its code", category)
    description = get("description")
    if not description:
        refuse("description", "required", "the request's text is required")
    elif len(description) > MAX_DESCRIPTION:
        refuse("description", "too_long", f"at most {MAX_DESCRIPTION} characters")
    called_at = None
    if text := get("called_at"):
        called_at = _when(text, tz)
        if called_at is None:
            refuse("called_at", "invalid", "a date and time: 2026-12-01 09:30", text)
    lat = long = None
    if text := get("coordinates"):
        found = _coordinates(text)
        if isinstance(found, str):
            refuse("coordinates", "invalid", found, text)
        else:
            lat, long = found
    address = get("address") or None
    if address is not None and len(address) > MAX_ADDRESS:
        refuse("address", "too_long", f"at most {MAX_ADDRESS} characters")
    located = address is not None or lat is not None or bool(get("coordinates") or get("unit"))
    if not located:
        refuse("address", "required", "a location is required: 地址, 经纬度 or 承办单位")
    caller = get("caller") or None
    if caller is not None and len(caller) > MAX_CALLER:
        refuse("caller", "too_long", f"at most {MAX_CALLER} characters")
    phone = get("phone") or None
    if phone is not None and len(phone) > MAX_PHONE:
        refuse("phone", "too_long", f"at most {MAX_PHONE} characters")
    unit = None
    if text := get("unit"):
        unit = units.get(text)
        if text not in units:
            refuse("unit", "unknown_unit", "no unit of this code or name", text)
        elif unit is None:
            refuse("unit", "ambiguous", "several units have this name; write its code", text)
    if problems or service_code is None:
        return None, problems
    line = HotlineLine(
        number, ticket, service_code, description, called_at, caller, phone, address, lat, long,
        unit,
    )  # fmt: skip
    return line, []
