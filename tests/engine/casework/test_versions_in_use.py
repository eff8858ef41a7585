"""Which versions of a workflow still run open cases, for whoever may migrate them."""

from __future__ import annotations

import pytest

from engine.casework import cases
from engine.casework.context import Casework
from engine.casework.errors import NotPermittedError
from engine.casework.publishing import with_version
from engine.casework.versions_in_use import open_cases_by_version
from engine.loader import parse_definition
from tests.engine.casework.conftest import person
from tests.engine.casework.test_one_transaction import INTAKE


def test_open_cases_are_counted_by_version_and_closed_ones_left_out(cw: Casework) -> None:
    mediator = person("mediator")
    old = cw.registry.latest("mediation")
    new = old.version + 1
    first = [cases.open_case(cw, mediator, "mediation", INTAKE).case for _ in range(3)]
    closed = first[0]
    cases.fire(cw, mediator, closed.id, "party_refuses", {}, expected_version=closed.version)
    source = with_version(old.source, new)
    cw.registry.add(parse_definition(source, file=f"mediation@v{new}"))
    cases.open_case(cw, mediator, "mediation", INTAKE, version=new)

    assert open_cases_by_version(cw, person("supervisor"), "mediation") == {
        old.version: 2,
        new: 1,
    }
    assert open_cases_by_version(cw, person("admin"), "grid_escalation") == {}
    assert open_cases_by_version(cw, person("supervisor"), "no_such_workflow") == {}


@pytest.mark.parametrize("who", ["mediator", "org_admin", "handler", "grid_member"])
def test_only_those_who_may_migrate_ask(cw: Casework, who: str) -> None:
    with pytest.raises(NotPermittedError):
        open_cases_by_version(cw, person(who), "mediation")
