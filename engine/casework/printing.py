"""A case as a printable document (the mediation agreement, the follow-up record): its data,
history and parties, masked unless the user reveals them with a reason, which is audited
(engine.casework.parties.reveal_personal_data) before the names are given out."""

from __future__ import annotations

from dataclasses import dataclass

from engine import printables
from engine.casework.access import visible_in
from engine.casework.context import Casework
from engine.casework.errors import NotPrintableError
from engine.casework.identity import User
from engine.casework.parties import reveal_personal_data
from engine.definition import Definition
from engine.model import Case, Event
from engine.store.parties import PartyRecord, parties_of


@dataclass(frozen=True)
class Printable:
    document: str
    case: Case
    definition: Definition
    history: list[Event]
    parties: list[PartyRecord]
    revealed: bool  # the parties are unmasked: the read was audited with its reason
    documents: tuple[str, ...]  # every document the case can be printed as


def printable(
    cw: Casework, user: User, case_id: int, document: str, *, reveal_reason: str | None = None
) -> Printable:
    """The case (404 unless the user sees it) as `document` (NotPrintableError unless the case
    reached it); with a reason, the parties unmasked and the read audited."""
    with cw.store.transaction(write=False) as tx:
        case = visible_in(tx, user, case_id)
        history = tx.events(case_id)
        parties = parties_of(tx, cw.sealer, case_id)
    definition = cw.registry.get(case.workflow, case.workflow_version)
    documents = printables.available(definition, case, history)
    if document not in documents:
        raise NotPrintableError(case_id, document)
    revealed = reveal_reason is not None
    if reveal_reason is not None:
        parties = reveal_personal_data(cw, user, case_id, reveal_reason).parties
    return Printable(document, case, definition, history, parties, revealed, documents)
