"""What makes two cases look like the same matter: the pure rules of duplicate suggestions.

- **Place**: a case's point (WGS-84 degrees) falls in one map cell of a fixed grid: rows of
  `CELL_DEG` degrees of latitude (about 55 m), each row cut into columns about as wide
  (narrower in degrees of longitude towards the equator, wider towards the poles). A cell is
  one integer (`cell_of`), so one plain index finds the cases of a cell on SQLite and on
  PostgreSQL alike; the cases within a radius lie in the cells `cells_near` lists (the
  neighbouring nine for the default 50 m), and their exact distance is `distance_m`.
- **Text**: Chinese has no spaces, so a text is compared by its character bigrams
  (`grams`): Jaccard (shared over all) and containment (shared over the shorter text's,
  for a short report contained in a longer one). A text's MinHash signature cut into bands
  (`bands`) is what the index keeps: two texts share a band key with a probability that
  grows steeply with their Jaccard similarity, so the candidates are found by key, never by
  reading every text.
- **Caller**: a phone number compared in one form (`normalise_phone`), through a keyed hash
  the store keeps instead of the number.
"""

from __future__ import annotations

import math
import re
import struct
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from hashlib import blake2b

CELL_DEG = 0.0005  # a row of cells: 0.0005° of latitude, about 55.6 m
EARTH_M = 6_371_008.8
M_PER_DEG = math.pi * EARTH_M / 180.0
COL_BITS = 20  # columns per row stay below 2**20 (720,000 at the equator)

HASHES = 24  # MinHash values per text
ROWS_PER_BAND = 2
BANDS = HASHES // ROWS_PER_BAND

DEFAULT_RADIUS_M = 50
MAX_RADIUS_M = 500
DEFAULT_WINDOW_DAYS = 7
MAX_WINDOW_DAYS = 90
# Texts this similar are suggested: by Jaccard of their bigrams, or the shorter text's
# bigrams found in the longer one (with at least MIN_GRAMS of them).
JACCARD_MIN = 0.45
CONTAINMENT_MIN = 0.75
MIN_GRAMS = 4

_KEEP = re.compile(r"[\w]", re.UNICODE)


@dataclass(frozen=True, slots=True)
class Rules:
    """How near and how recent a case must be to be suggested."""

    radius_m: int = DEFAULT_RADIUS_M
    window_days: int = DEFAULT_WINDOW_DAYS


# -- place -------------------------------------------------------------------------------------
def valid_point(lat: float, lng: float) -> bool:
    return -90.0 <= lat <= 90.0 and -180.0 <= lng <= 180.0 and math.isfinite(lat + lng)


def _row_of(lat: float) -> int:
    return min(math.floor((lat + 90.0) / CELL_DEG), int(180.0 / CELL_DEG) - 1)


def _col_width(row: int) -> float:
    """Degrees of longitude of a column in `row`: about CELL_DEG's metres wide."""
    centre = (row + 0.5) * CELL_DEG - 90.0
    return CELL_DEG / max(math.cos(math.radians(centre)), 0.01)


def _col_of(row: int, lng: float) -> int:
    return math.floor((lng + 180.0) / _col_width(row))


def cell_of(lat: float, lng: float) -> int:
    """The map cell of a point, as one integer (row and column)."""
    row = _row_of(lat)
    return (row << COL_BITS) | _col_of(row, lng)


def cells_near(lat: float, lng: float, radius_m: float) -> list[int]:
    """The cells any point within `radius_m` of (lat, lng) may lie in."""
    dlat = radius_m / M_PER_DEG
    dlng = radius_m / (M_PER_DEG * max(math.cos(math.radians(lat)), 0.01))
    out: list[int] = []
    for row in range(_row_of(max(lat - dlat, -90.0)), _row_of(min(lat + dlat, 90.0)) + 1):
        first, last = _col_of(row, max(lng - dlng, -180.0)), _col_of(row, min(lng + dlng, 180.0))
        out += [(row << COL_BITS) | col for col in range(first, last + 1)]
    return out


def distance_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """The great-circle distance in metres (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_M * math.asin(min(1.0, math.sqrt(a)))


# -- text --------------------------------------------------------------------------------------
def grams(text: str) -> frozenset[str]:
    """The character bigrams of a text's letters, digits and CJK characters (full-width
    forms folded, case ignored; punctuation and spaces dropped)."""
    kept = "".join(_KEEP.findall(unicodedata.normalize("NFKC", text).lower())).replace("_", "")
    if len(kept) < 2:
        return frozenset({kept}) if kept else frozenset()
    return frozenset(kept[i : i + 2] for i in range(len(kept) - 1))


@dataclass(frozen=True, slots=True)
class Similarity:
    jaccard: float
    containment: float

    @property
    def score(self) -> float:
        return max(self.jaccard, self.containment)


def similarity(a: frozenset[str], b: frozenset[str]) -> Similarity:
    if not a or not b:
        return Similarity(0.0, 0.0)
    shared = len(a & b)
    return Similarity(shared / len(a | b), shared / min(len(a), len(b)))


def similar(a: frozenset[str], b: frozenset[str]) -> bool:
    s = similarity(a, b)
    return s.jaccard >= JACCARD_MIN or (
        min(len(a), len(b)) >= MIN_GRAMS and s.containment >= CONTAINMENT_MIN
    )


@lru_cache(maxsize=65536)
def _gram_hashes(gram: str) -> tuple[int, ...]:
    """HASHES independent 32-bit hashes of one bigram (stable across processes)."""
    raw = gram.encode("utf-8")
    digest = b"".join(
        blake2b(raw, digest_size=64, person=f"fq-minhash-{i}".encode()).digest()
        for i in range(-(-HASHES * 4 // 64))
    )
    return struct.unpack(f"<{HASHES}I", digest[: HASHES * 4])


def signature(gs: Iterable[str]) -> tuple[int, ...]:
    """The MinHash signature of a set of bigrams (empty for no bigram)."""
    vectors = [_gram_hashes(g) for g in gs]
    if not vectors:
        return ()
    return tuple(min(column) for column in zip(*vectors, strict=True))


def bands(scope: str, gs: Iterable[str]) -> list[int]:
    """The band keys of a text's signature within `scope` (the workflow: texts of two
    workflows never meet), as signed 64-bit integers; none for a text without bigrams."""
    sig = signature(gs)
    out = []
    for b in range(len(sig) // ROWS_PER_BAND):
        part = sig[b * ROWS_PER_BAND : (b + 1) * ROWS_PER_BAND]
        key = f"{scope}|{b}|" + ",".join(map(str, part))
        digest = blake2b(key.encode("utf-8"), digest_size=8).digest()
        out.append(int.from_bytes(digest, "big", signed=True))
    return sorted(set(out))


# -- caller ------------------------------------------------------------------------------------
def normalise_phone(phone: str) -> str | None:
    """A phone number's digits, without China's country code; None if too short to be one."""
    digits = "".join(ch for ch in unicodedata.normalize("NFKC", phone) if ch.isdigit())
    if digits.startswith("0086"):
        digits = digits[4:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    return digits if len(digits) >= 5 else None
