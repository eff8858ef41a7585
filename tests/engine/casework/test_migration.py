"""Moving a running case onto another version: supervisors and admins, on cases they see."""

from __future__ import annotations

import pytest

from engine.casework import cases
from engine.casework.context import Casework
from engine.casework.errors import NotPermittedError
from engine.casework.migration import migrate_case
from engine.errors import CaseNotFoundError
from engine.loader import parse_definition
from tests.engine.casework.conftest import person
from tests.engine.casework.test_one_transaction import INTAKE


def _publish_v2(cw: Casework) -> None:
    v1 = cw.registry.latest("mediation")
    source = v1.source.replace("version: 1", "version: 2", 1)
    cw.registry.add(parse_definition(source, file="mediation@v2"))


def test_a_supervisor_moves_a_case_onto_the_new_version(cw: Casework) -> None:
    case = cases.open_case(cw, person("mediator"), "mediation", INTAKE, version=1).case
    _publish_v2(cw)
    moved = migrate_case(cw, person("supervisor"), case.id, 2, idempotency_key="m1")
    assert moved.case.workflow_version == 2 and moved.case.state == case.state
    again = migrate_case(cw, person("supervisor"), case.id, 2, idempotency_key="m1")
    assert again.replayed
    view = cases.case_view(cw, person("mediator"), case.id)
    assert view.history[-1].action == "migrate"


@pytest.mark.parametrize("who", ["mediator", "org_admin", "handler", "grid_member"])
def test_other_roles_may_not_move_a_case(cw: Casework, who: str) -> None:
    case = cases.open_case(cw, person("mediator"), "mediation", INTAKE).case
    _publish_v2(cw)
    with pytest.raises((NotPermittedError, CaseNotFoundError)):
        migrate_case(cw, person(who), case.id, 2)
    assert cases.case_view(cw, person("mediator"), case.id).case.workflow_version == 1
