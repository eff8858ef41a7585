"""A database the previous release prepared starts with this release: its shipped files
changed (their steps gained `accepts:`) and raised their versions, so they are published as
new versions; cases opened before keep their version, new cases open on the new one."""

from __future__ import annotations

from pathlib import Path

import fengqiao.context as context
from engine.clock import ManualClock
from engine.loader import load_definition
from fengqiao.settings import Settings
from tests.conftest import DEFINITIONS
from tests.workflows.cases import ASSESS, INTAKE, MEDIATOR, grid_reported

PREVIOUS = Path(__file__).parent / "previous_release"


def test_each_shipped_file_changed_since_the_previous_release_has_a_higher_version() -> None:
    for old_path in sorted(PREVIOUS.glob("*.yaml")):
        old, new = load_definition(old_path), load_definition(DEFINITIONS / old_path.name)
        if new.content_hash != old.content_hash:
            assert new.version > old.version, f"raise `version` in {new.path}"


def test_a_database_of_the_previous_release_starts_and_keeps_its_cases(
    settings: Settings, clock: ManualClock
) -> None:
    previous = settings.model_copy(update={"definitions_dir": PREVIOUS})
    assert context.prepare(previous, clock) == []  # what the previous release did
    cw = context.open_casework(previous, clock)
    try:
        # v1 declares no `accepts:`: the case opens empty, its first step takes its fields.
        old = cw.service.open_case("mediation", MEDIATOR, {}, org_unit="women").case
        old = cw.service.fire(old.id, "register", MEDIATOR, INTAKE).case
        old_grid = grid_reported(cw.service)
    finally:
        cw.close()
    assert (old.workflow_version, old_grid.workflow_version) == (1, 1)

    problems = context.prepare(settings, clock)  # this release starts on that database
    assert problems == []
    cw = context.open_casework(settings, clock, problems)
    try:
        for name in ("grid_escalation", "labor_dispute", "mediation"):
            latest = load_definition(DEFINITIONS / f"{name}.yaml")
            assert [d.version for d in cw.registry.versions(name)] == [1, latest.version]
            assert cw.registry.latest(name).content_hash == latest.content_hash
        moved = cw.service.fire(old.id, "start_mediation", MEDIATOR, ASSESS).case
        assert (moved.state, moved.workflow_version) == ("mediation", 1)  # still on v1
        new = cw.service.open_case("mediation", MEDIATOR, INTAKE, org_unit="women").case
        assert new.workflow_version == cw.registry.latest("mediation").version > 1
        assert cw.service.fire(new.id, "register", MEDIATOR).case.workflow_version > 1
    finally:
        cw.close()
