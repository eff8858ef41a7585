"""Path and query parameters of the pages, bounded like the API's.

An unbounded ``int`` let ``/cases/99999999999999999999`` reach the database, where SQLite
cannot bind it (a server error); bounded, it is an ordinary "not found" page (a path) or a
422 page (a query).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query

from api.routes.cases import MAX_CASE_ID

MAX_OFFSET = 1_000_000

CaseIdPath = Annotated[int, Path(ge=1, le=MAX_CASE_ID)]
# No lower bound: the pages read a negative offset as the first page.
Offset = Annotated[int, Query(le=MAX_OFFSET)]
