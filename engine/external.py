"""Where a case came from: the source system (a client system's name, `12345` for a hotline's
files) and that system's own ticket number. A source's ticket opens one case: opening it again
answers the case it opened (engine.casework.cases.open_case)."""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_SOURCE = 32
MAX_TICKET = 64
# A source is a short name without spaces: letters, digits, `_`, `-`, `.`.
SOURCE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$"
# A ticket number: no control character, no space at either end.
TICKET_PATTERN = r"^[^\s\x00-\x1f\x7f-\x9f](?:[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f])?$"
_SOURCE = re.compile(SOURCE_PATTERN)
_TICKET = re.compile(TICKET_PATTERN)


class InvalidExternalRefError(ValueError):
    """A source or ticket number that cannot be stored: `field` names which."""

    def __init__(self, field: str, detail: str) -> None:
        super().__init__(f"{field}: {detail}")
        self.field = field
        self.detail = detail


@dataclass(frozen=True, slots=True)
class ExternalRef:
    source: str
    ticket: str


def source_problem(source: str) -> str | None:
    """Why `source` cannot name a source system (None: it can)."""
    if not source or len(source) > MAX_SOURCE:
        return f"a source has 1 to {MAX_SOURCE} characters"
    if not _SOURCE.match(source):
        return "a source is letters, digits, '_', '-' and '.', without spaces"
    return None


def ticket_problem(ticket: str) -> str | None:
    """Why `ticket` cannot be a source's ticket number (None: it can)."""
    if not ticket or len(ticket) > MAX_TICKET:
        return f"a ticket number has 1 to {MAX_TICKET} characters"
    if not _TICKET.match(ticket):
        return "a ticket number has no spaces at its ends and no control characters"
    return None


def external_ref(source: str | None, ticket: str | None) -> ExternalRef | None:
    """The reference named by both (None when neither is given); InvalidExternalRefError
    when only one is, or either cannot be stored."""
    if source is None and ticket is None:
        return None
    if source is None:
        raise InvalidExternalRefError("external_source", "a ticket number needs its source")
    if ticket is None:
        raise InvalidExternalRefError("external_id", "a source needs its ticket number")
    if (problem := source_problem(source)) is not None:
        raise InvalidExternalRefError("external_source", problem)
    if (problem := ticket_problem(ticket)) is not None:
        raise InvalidExternalRefError("external_id", problem)
    return ExternalRef(source, ticket)
