"""Duplicate suggestions: the open cases a new report or request may repeat, among those the
user sees, before it is opened (the report and intake forms, `POST /api/cases/duplicates`)
and for a case already open (its page, for the handler).

A case is suggested when it is open, of the same workflow, opened within the window, and
either of the same category within the radius, or with very similar text, or with the same
caller (engine.duplicates holds the rules; engine.store.duplicates the indexes). One read
transaction; at most `LIMIT` suggestions, the likeliest first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from engine import duplicates as rules
from engine.casework.access import visible_in
from engine.casework.context import Casework
from engine.casework.errors import InvalidProbeError
from engine.casework.identity import User
from engine.duplicates import Rules
from engine.model import Case
from engine.reserved import CATEGORY_FIELDS, DESCRIPTION
from engine.store import duplicates as index
from engine.store.parties import phone_index
from engine.store.repository import SqlTransaction
from engine.visibility import sees_parts

LIMIT = 10
TEXT_MAX = 4000


@dataclass(frozen=True)
class Probe:
    """What is known of a case about to be opened (or of an open case: `exclude` is its id)."""

    workflow: str
    category: str | None = None
    description: str = ""
    lat: float | None = None
    lng: float | None = None
    phone: str | None = None
    exclude: int | None = None
    phone_indexes: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True)
class Suggestion:
    case: Case
    distance_m: float | None  # within the radius, same category
    text_score: float | None  # similar text: the larger of Jaccard and containment
    same_caller: bool

    @property
    def reasons(self) -> tuple[str, ...]:
        """Why it is suggested: `place`, `text`, `caller`."""
        found = (
            ("place", self.distance_m is not None),
            ("text", self.text_score is not None),
            ("caller", self.same_caller),
        )
        return tuple(name for name, why in found if why)

    @property
    def weight(self) -> tuple[int, float]:
        return _weight(self.distance_m, self.text_score, self.same_caller)


def category_of(data: dict[str, object]) -> str | None:
    for name in CATEGORY_FIELDS:
        value = data.get(name)
        if isinstance(value, str) and value:
            return value
    return None


def check_rules(radius_m: int | None, window_days: int | None) -> Rules:
    """The radius and window asked for (defaults when absent), within their bounds."""
    radius = rules.DEFAULT_RADIUS_M if radius_m is None else radius_m
    window = rules.DEFAULT_WINDOW_DAYS if window_days is None else window_days
    if not 1 <= radius <= rules.MAX_RADIUS_M:
        raise InvalidProbeError("radius_m", f"1 to {rules.MAX_RADIUS_M} metres")
    if not 1 <= window <= rules.MAX_WINDOW_DAYS:
        raise InvalidProbeError("window_days", f"1 to {rules.MAX_WINDOW_DAYS} days")
    return Rules(radius, window)


def check_point(lat: float | None, lng: float | None) -> tuple[float, float] | None:
    """The point given, or None; a half point or one off the globe is refused."""
    if lat is None and lng is None:
        return None
    if lat is None or lng is None:
        raise InvalidProbeError("lat" if lat is None else "lng", "give both lat and lng")
    if not rules.valid_point(lat, lng):
        raise InvalidProbeError("lat", "lat -90 to 90, lng -180 to 180")
    return lat, lng


def suggest(cw: Casework, user: User, probe: Probe, r: Rules | None = None) -> list[Suggestion]:
    """The open cases the new one may repeat, that the user sees (the likeliest first)."""
    check_point(probe.lat, probe.lng)
    if len(probe.description) > TEXT_MAX:
        raise InvalidProbeError("description", f"at most {TEXT_MAX} characters")
    with cw.store.transaction(write=False) as tx:
        return _suggest(cw, tx, user, probe, r or Rules(), cw.clock.now())


def suggest_for_case(
    cw: Casework, user: User, case_id: int, r: Rules | None = None
) -> list[Suggestion]:
    """The open cases an open case may repeat (none for a closed case), for its handler."""
    with cw.store.transaction(write=False) as tx:
        case = visible_in(tx, user, case_id)
        if case.closed_at is not None:
            return []
        point = index.points(tx, [case.id]).get(case.id)
        probe = Probe(
            workflow=case.workflow,
            category=category_of(case.data),
            description=str(case.data.get(DESCRIPTION) or "")[:TEXT_MAX],
            lat=point[0] if point else None,
            lng=point[1] if point else None,
            exclude=case.id,
            phone_indexes=frozenset(index.phone_indexes(tx, case.id)),
        )
        return _suggest(cw, tx, user, probe, r or Rules(), case.opened_at)


def suggest_in(
    cw: Casework, tx: SqlTransaction, user: User, probe: Probe, r: Rules, now: datetime
) -> list[Suggestion]:
    """`suggest` inside the caller's read transaction, for a probe already checked (a batch
    of them: the hotline import's preview)."""
    return _suggest(cw, tx, user, probe, r, now)


def _suggest(
    cw: Casework, tx: SqlTransaction, user: User, probe: Probe, r: Rules, now: datetime
) -> list[Suggestion]:
    """The candidates the three lookups find are weighed on what they hold (read in one
    statement, without their history); only the LIMIT likeliest are read whole."""
    since = now - timedelta(days=r.window_days)
    distances: dict[int, float] = {}
    if probe.lat is not None and probe.lng is not None and probe.category:
        cells = rules.cells_near(probe.lat, probe.lng, r.radius_m)
        at = (probe.lat, probe.lng)
        for p in index.near(tx, probe.workflow, probe.category, cells, since, at, probe.exclude):
            d = rules.distance_m(probe.lat, probe.lng, p.lat, p.lng)
            if d <= r.radius_m:
                distances[p.case_id] = d
    mine = rules.grams(probe.description)
    texts = index.sharing_bands(tx, rules.bands(probe.workflow, mine), since)
    keys = set(probe.phone_indexes)
    if probe.phone and (key := phone_index(cw.sealer, probe.phone)):
        keys.add(key)
    callers = index.same_caller(tx, sorted(keys), since)
    wanted = sorted((set(distances) | set(texts) | callers) - {probe.exclude})
    found = index.open_candidates(tx, wanted, probe.workflow, since)
    handed = {} if user.scope.everything else index.handed_units(tx, wanted)
    weighed: list[tuple[tuple[int, float], int, float | None, float | None, bool]] = []
    for c in found:
        if not sees_parts(user.scope, c.org_unit, c.grid_unit, c.data, handed.get(c.case_id, [])):
            continue
        near = distances.get(c.case_id)
        theirs = rules.grams(str(c.data.get(DESCRIPTION) or ""))
        text = rules.similarity(mine, theirs).score if rules.similar(mine, theirs) else None
        caller = c.case_id in callers
        if near is None and text is None and not caller:
            continue
        weighed.append((_weight(near, text, caller), c.case_id, near, text, caller))
    weighed.sort(key=lambda w: (w[0], w[1]), reverse=True)
    chosen = weighed[:LIMIT]
    cases = tx.get_cases([w[1] for w in chosen])
    return [Suggestion(cases[w[1]], w[2], w[3], w[4]) for w in chosen if w[1] in cases]


def _weight(near: float | None, text: float | None, caller: bool) -> tuple[int, float]:
    """How likely a repeat: by the number of reasons, then text score less km away."""
    reasons = (near is not None) + (text is not None) + caller
    return reasons, (text or 0.0) - (near or 0.0) / 1000.0


def indexed_point(place: tuple[float, float] | None) -> tuple[float, float, int] | None:
    """The point and map cell a case placed there is kept at, for the suggestions."""
    if place is None:
        return None
    lat, lng = place
    return lat, lng, rules.cell_of(lat, lng)


def index_opened(tx: SqlTransaction, case: Case, place: tuple[float, float] | None) -> None:
    """Keep a case just opened where the suggestions look: its point and cell, its text's
    band keys (in the transaction that opens it)."""
    text = rules.grams(str(case.data.get(DESCRIPTION) or ""))
    bands = rules.bands(case.workflow, text)
    index.index_case(tx, case.id, point=indexed_point(place), bands=bands)


def index_texts(tx: SqlTransaction, opened: Sequence[Case]) -> None:
    """The text band keys of many cases just opened (an import, whose cases' points went
    in with their rows: engine.opening_batch.Stamp), a statement per kind of row."""
    keys: list[tuple[int, int]] = []
    for case in opened:
        text = rules.grams(str(case.data.get(DESCRIPTION) or ""))
        keys += [(case.id, band) for band in rules.bands(case.workflow, text)]
    index.index_bands(tx, keys)
