"""Importing a 12345 hotline's export (CSV or .xlsx; layout in docs/HOTLINE.md): each row a
case, idempotent by the hotline's ticket number (source `12345`, engine.external).

The file is read a row at a time (engine.sheets.stream_rows), never held whole. A preview
lists every problem by row and column (at most MAX_PROBLEMS kept, all counted) and what an
import would do (cases to open, tickets already in); it writes nothing. Asked for
(`repeats=True`), it also lists, for each row whose ticket is new, the open cases it likely
repeats (engine.casework.duplicates: same category near its point, similar text, same caller;
at most MAX_REPEATS rows kept, all counted): such a row is imported all the same (a ticket is
its own record), and the handler merges it afterwards (casework.merging). Applying checks the
whole file first and refuses it while it has a problem (ImportRefusedError, nothing written);
then opens the new rows' cases a batch per transaction, each with its reporter, ticket and
origin (as `casework.cases.open_case` opens a case; placed as Open311 requests are,
engine.routing), and an audit entry `hotline_imported` per batch. A ticket already in
answers its case and changes nothing, so an import cut short is finished by running it
again.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO
from zoneinfo import ZoneInfo

from engine.casework.context import Casework
from engine.casework.directory_import import plain_file_name
from engine.casework.duplicates import (
    Probe,
    Suggestion,
    category_of,
    index_texts,
    indexed_point,
    suggest_in,
)
from engine.casework.errors import ImportRefusedError
from engine.casework.identity import User
from engine.casework.outside_requests import (
    OutsideRequest,
    Service,
    opening,
    reporter_of,
    service_index,
    services,
    source_user,
)
from engine.casework.parties import record_parties
from engine.casework.permissions import Permission, require
from engine.definition import Definition
from engine.duplicates import Rules
from engine.external import ExternalRef
from engine.hotline_rows import SOURCE, HotlineLine, Layout, check_line, read_header
from engine.model import Case
from engine.opening_batch import OpeningBatch, Stamp
from engine.routing import Route, Router
from engine.sheets import SheetProblem, stream_rows
from engine.store import audit, external_ids, grid_areas
from engine.store.external_ids import Origin
from engine.store.units import unit_tree
from engine.units import UnitTree

HOTLINE = "hotline"
HOTLINE_IMPORTED = "hotline_imported"
MAX_BYTES = 64 << 20  # 64 MiB: 100,000 rows of a few hundred characters
MAX_ROWS = 200_000
MAX_PROBLEMS = 1000  # kept and shown; all are counted
BATCH = 500  # rows a transaction
_LOOKUP = 1000  # tickets asked of the database at once by the preview
MAX_REPEATS = 1000  # rows with suggestions kept and shown; all are counted


@dataclass(frozen=True, slots=True)
class RepeatOf:
    """An open case a row likely repeats, and why (`place`, `text`, `caller`)."""

    case_id: int
    reasons: tuple[str, ...]
    distance_m: float | None = None
    text_score: float | None = None


@dataclass(frozen=True, slots=True)
class RowRepeats:
    """A row whose new ticket likely repeats open cases (the likeliest first)."""

    row: int
    ticket: str
    cases: tuple[RepeatOf, ...]


@dataclass(frozen=True, slots=True)
class HotlineReport:
    """A hotline file previewed or imported: its rows, its problems (the first
    MAX_PROBLEMS; `problem_count` all of them), the cases opened (would be) and the rows
    whose ticket is in already."""

    file_name: str
    rows: int
    problems: tuple[SheetProblem, ...]
    problem_count: int
    created: int = 0
    existing: int = 0
    applied: bool = False
    repeats: tuple[RowRepeats, ...] = ()  # the first MAX_REPEATS rows (a preview asked)
    repeat_rows: int = 0  # every new row with an open case it likely repeats

    @property
    def clean(self) -> bool:
        return self.problem_count == 0


@dataclass(frozen=True)
class _Setting:
    """What placing rows needs, read once: the services, units, grids' areas and routes."""

    services: dict[str, str | None]
    by_code: dict[str, Service]
    definitions: dict[str, Definition]
    units: dict[str, str | None]
    tree: UnitTree
    router: Router
    routes: dict[str, dict[str, str]]
    tz: ZoneInfo


def _setting(cw: Casework) -> _Setting:
    with cw.store.transaction(write=False) as tx:
        tree = unit_tree(tx)
        areas = grid_areas.all_areas(tx)
        routes = grid_areas.all_routes(tx)
    units: dict[str, str | None] = {}
    for u in tree.units.values():
        if u.retired:
            continue
        units[u.code] = u.code
        if u.name_zh not in units:
            units[u.name_zh] = u.code
        elif units[u.name_zh] != u.code:
            units[u.name_zh] = None
    found = services(cw)
    return _Setting(
        service_index(cw),
        {s.code: s for s in found},
        {s.workflow: cw.registry.latest(s.workflow) for s in found},
        units,
        tree,
        Router(areas, tree),
        routes,
        ZoneInfo(cw.timezone),
    )


def _request(line: HotlineLine) -> OutsideRequest:
    return OutsideRequest(
        service_code=line.service_code,
        description=line.description,
        lat=line.lat,
        long=line.long,
        address=line.address,
        last_name=line.caller,
        phone=line.phone,
        ticket=line.ticket,
    )


Placed = tuple[Definition, dict[str, object], str | None, str | None]


def _place(cw: Casework, s: _Setting, line: HotlineLine, layout: Layout) -> Placed | SheetProblem:
    """The line's workflow, opening values and units; or why it cannot be placed."""
    svc = s.by_code[line.service_code]
    definition = s.definitions[svc.workflow]
    grid_case = "grid_unit" in definition.opening_accepts
    req = _request(line)
    if line.unit is not None:
        unit = s.tree.units[line.unit]
        fits = unit.kind == "grid" if grid_case else unit.kind in ("organisation", "workroom")
        if not fits:
            wanted = "a grid" if grid_case else "an organisation or workroom"
            column = layout.shown.get("unit", "unit")
            detail = f"this type of request goes to {wanted}"
            return SheetProblem(line.row, column, "unit_kind", detail, line.unit)
        to = Route(unit.code, None) if grid_case else Route("", unit.code)
    else:
        found = s.router.route(
            lat=line.lat,
            long=line.long,
            address=line.address,
            routes=s.routes.get(svc.code),
        )
        if found is None or (not grid_case and found.org_unit is None):
            key = "coordinates" if line.lat is not None and line.address is None else "address"
            detail = "the location lies in no grid served here (fengqiao areas set)"
            return SheetProblem(line.row, layout.shown.get(key, key), "unrouted", detail)
        to = found
    data, org_unit, grid_unit = opening(definition, svc, req, to)
    return definition, data, org_unit, grid_unit


@dataclass
class _Tally:
    rows: int = 0
    problems: int = 0
    kept: list[SheetProblem] | None = None

    def add(self, problems: list[SheetProblem]) -> None:
        self.problems += len(problems)
        kept = self.kept if self.kept is not None else []
        kept.extend(problems[: max(0, MAX_PROBLEMS - len(kept))])
        self.kept = kept


def _lines(
    cw: Casework, s: _Setting, source: BinaryIO, name: str, tally: _Tally
) -> Iterator[tuple[HotlineLine, Placed]]:
    """The file's lines that check and place, with their place; every problem into the
    tally."""
    stream = stream_rows(source, name, max_bytes=MAX_BYTES, max_rows=MAX_ROWS)
    if stream.problem is not None:
        tally.add([stream.problem])
        return
    layout: Layout | None = None
    for number, cells, problems in stream.rows:
        if layout is None:
            layout, header_problems = read_header(cells)
            tally.add(problems + header_problems)
            if problems or header_problems:
                return  # the header is wrong: its rows mean nothing yet
            continue
        if number == 0 or (problems and problems[0].row is None):
            tally.add(problems)  # the file broke off, or has too many rows
            return
        tally.rows += 1
        line, row_problems = check_line(number, cells, layout, s.services, s.units, s.tz)
        if problems or row_problems or line is None:
            tally.add(problems + row_problems)
            continue
        placed = _place(cw, s, line, layout)
        if isinstance(placed, SheetProblem):
            tally.add([placed])
            continue
        yield line, placed
    if layout is None:
        tally.add([SheetProblem(None, None, "empty", "the file has no header row")])


def _report(
    name: str,
    tally: _Tally,
    created: int,
    existing: int,
    applied: bool,
    repeats: list[RowRepeats] | None = None,
    repeat_rows: int = 0,
) -> HotlineReport:
    return HotlineReport(
        name,
        tally.rows,
        tuple(tally.kept or ()),
        tally.problems,
        created,
        existing,
        applied,
        tuple(repeats or ()),
        repeat_rows,
    )


def _probe(line: HotlineLine, placed: Placed) -> Probe:
    """What the row tells of the case it would open, as the report form's probe does:
    诉求类型's workflow and category, 诉求内容, 经纬度, 联系电话."""
    definition, data, _, _ = placed
    return Probe(
        workflow=definition.name,
        category=category_of(data),
        description=line.description,
        lat=line.lat,
        lng=line.long,
        phone=line.phone,
    )


def _repeat_of(s: Suggestion) -> RepeatOf:
    return RepeatOf(s.case.id, s.reasons, s.distance_m, s.text_score)


def _check_all(
    cw: Casework, s: _Setting, source: BinaryIO, name: str, user: User | None = None
) -> HotlineReport:
    """The whole file checked: its problems and what importing it would do; with a `user`,
    the open cases (that user sees) each new row likely repeats."""
    tally = _Tally()
    seen: set[str] = set()
    created = existing = repeat_rows = 0
    repeats: list[RowRepeats] = []
    pending: list[tuple[HotlineLine, Placed]] = []
    rules = Rules()

    def count(lines: list[tuple[HotlineLine, Placed]]) -> None:
        nonlocal created, existing, repeat_rows
        with cw.store.transaction(write=False) as tx:
            known = external_ids.cases_of(tx, SOURCE, [line.ticket for line, _ in lines])
            if user is not None:
                now = cw.clock.now()
                for line, placed in lines:
                    if line.ticket in known:
                        continue
                    found = suggest_in(cw, tx, user, _probe(line, placed), rules, now)
                    if not found:
                        continue
                    repeat_rows += 1
                    if len(repeats) < MAX_REPEATS:
                        cases = tuple(_repeat_of(f) for f in found)
                        repeats.append(RowRepeats(line.row, line.ticket, cases))
        existing += len(known)
        created += len(lines) - len(known)

    for line, placed in _lines(cw, s, source, name, tally):
        if line.ticket in seen:
            existing += 1  # a ticket repeated in the file answers its first row's case
            continue
        seen.add(line.ticket)
        pending.append((line, placed))
        if len(pending) >= _LOOKUP:
            count(pending)
            pending = []
    if pending:
        count(pending)
    return _report(name, tally, created, existing, False, repeats, repeat_rows)


def preview_hotline(
    cw: Casework, user: User, source: BinaryIO, file_name: str, *, repeats: bool = False
) -> HotlineReport:
    """What importing this hotline file would do, and every problem it has; writes nothing.
    With `repeats`, also the open cases (the user sees) each new row likely repeats."""
    require(user, Permission.IMPORT_DIRECTORY)
    name = plain_file_name(file_name)
    return _check_all(cw, _setting(cw), source, name, user if repeats else None)


def apply_hotline(
    cw: Casework, user: User, source: BinaryIO, file_name: str, *, batch: int = BATCH
) -> HotlineReport:
    """Import a hotline file (ImportRefusedError, nothing written, while it has problems):
    a case per new ticket, a batch of rows per transaction with its audit entry."""
    require(user, Permission.IMPORT_DIRECTORY)
    name = plain_file_name(file_name)
    s = _setting(cw)
    checked = _check_all(cw, s, source, name)
    if not checked.clean:
        raise ImportRefusedError(HOTLINE, checked.problems)
    opener = source_user(SOURCE)
    tally = _Tally()
    created = existing = 0
    lines = _lines(cw, s, source, name, tally)
    while True:
        chunk = [line for _, line in zip(range(batch), lines, strict=False)]
        if not chunk:
            break
        made = _open_batch(cw, user, opener, name, chunk)
        created += made
        existing += len(chunk) - made
    return _report(name, tally, created, existing, applied=True)


def _open_batch(
    cw: Casework, user: User, opener: User, name: str, chunk: list[tuple[HotlineLine, Placed]]
) -> int:
    """Open the chunk's new tickets' cases in one transaction, with its audit entry; how
    many were opened. Each case opens as `casework.cases.open_case_in` opens it (the
    workflow's opening through the service, its rows written a statement per kind of row
    for the chunk: engine.opening_batch, its ticket and point in its row) and is kept
    where duplicate suggestions look (its point and text, as `intake_records.keep` keeps
    them); the text band keys, origins, reporters and their audit entries are then written
    a statement per kind of row."""
    opened: list[tuple[int, HotlineLine]] = []
    texts: list[Case] = []
    with cw.store.transaction() as tx:
        known = external_ids.cases_of(tx, SOURCE, [line.ticket for line, _ in chunk])
        batch = OpeningBatch(tx, len({line.ticket for line, _ in chunk}.difference(known)))
        for line, (definition, data, org_unit, grid_unit) in chunk:
            if line.ticket in known:
                continue
            place = None if line.lat is None or line.long is None else (line.lat, line.long)
            # The ticket, and the point where later suggestions look, go in with the case's row.
            with batch.stamped(Stamp(ExternalRef(SOURCE, line.ticket), indexed_point(place))):
                case = cw.service.open_in(
                    batch,
                    definition.name,
                    opener.actor,
                    data,
                    org_unit=org_unit,
                    grid_unit=grid_unit,
                    version=definition.version,
                ).case
            known[line.ticket] = case.id
            opened.append((case.id, line))
            texts.append(case)
        batch.flush()
        index_texts(tx, texts)  # where later suggestions look for them
        external_ids.record_origins(
            tx,
            [
                (c, Origin(line.lat, line.long, line.address, None, line.called_at))
                for c, line in opened
            ],
        )
        record_parties(
            cw,
            tx,
            opener,
            [(c, p) for c, line in opened if (p := reporter_of(_request(line))) is not None],
        )
        audit.record(
            tx,
            at=cw.clock.now(),
            username=user.username,
            action=HOTLINE_IMPORTED,
            reason=json.dumps(
                {
                    "file": name,
                    "rows": [chunk[0][0].row, chunk[-1][0].row],
                    "created": len(opened),
                    "existing": len(chunk) - len(opened),
                },
                ensure_ascii=False,
            ),
        )
    return len(opened)
