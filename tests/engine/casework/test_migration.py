"""Moving a running case onto another version: supervisors and admins, on cases they see."""

from __future__ import annotations

import pytest

from engine.casework import cases
from engine.casework.context import Casework
from engine.casework.errors import NotPermittedError
from engine.casework.migration import migrate_case
from engine.casework.publishing import with_version
from engine.errors import CaseNotFoundError
from engine.loader import parse_definition
from tests.engine.casework.conftest import person
from tests.engine.casework.test_one_transaction import INTAKE


def _publish_next(cw: Casework) -> int:
    """Register the next version of mediation (the latest's content); answer its number."""
    latest = cw.registry.latest("mediation")
    version = latest.version + 1
    source = with_version(latest.source, version)
    cw.registry.add(parse_definition(source, file=f"mediation@v{version}"))
    return version


def test_a_supervisor_moves_a_case_onto_the_new_version(cw: Casework) -> None:
    current = cw.registry.latest("mediation").version
    case = cases.open_case(cw, person("mediator"), "mediation", INTAKE, version=current).case
    new = _publish_next(cw)
    moved = migrate_case(cw, person("supervisor"), case.id, new, idempotency_key="m1")
    assert moved.case.workflow_version == new and moved.case.state == case.state
    again = migrate_case(cw, person("supervisor"), case.id, new, idempotency_key="m1")
    assert again.replayed
    view = cases.case_view(cw, person("mediator"), case.id)
    assert view.history[-1].action == "migrate"


@pytest.mark.parametrize("who", ["mediator", "org_admin", "handler", "grid_member"])
def test_other_roles_may_not_move_a_case(cw: Casework, who: str) -> None:
    case = cases.open_case(cw, person("mediator"), "mediation", INTAKE).case
    new = _publish_next(cw)
    with pytest.raises((NotPermittedError, CaseNotFoundError)):
        migrate_case(cw, person(who), case.id, new)
    view = cases.case_view(cw, person("mediator"), case.id)
    assert view.case.workflow_version == case.workflow_version == new - 1
