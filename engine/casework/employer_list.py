"""The wage-arrears blacklist as a case sees it when it opens: a workflow that declares
`employer_listed` has it filled with whether the employer named by the case's
`employer_code` is on the list (engine.store.listings), in the transaction that opens the
case, and the opening event records it (a blacklisted employer's new project must lodge a
wage prepayment: the workflow's guard reads the field)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine.definition import Definition
from engine.reserved import EMPLOYER_CODE, EMPLOYER_LISTED
from engine.store.listings import listing_cases
from engine.store.repository import SqlTransaction


def opening_facts(
    tx: SqlTransaction, definition: Definition, data: Mapping[str, Any]
) -> dict[str, Any]:
    """`{employer_listed: bool}` for a workflow declaring the field, else nothing."""
    if EMPLOYER_LISTED not in definition.fields:
        return {}
    code = data.get(EMPLOYER_CODE)
    listed = isinstance(code, str) and code.strip() != "" and bool(listing_cases(tx, code))
    return {EMPLOYER_LISTED: listed}
