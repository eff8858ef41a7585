"""A breaking next version of the shipped mediation workflow, for the migration tests.

`OLD` is the version of mediation the repository ships (the one running cases are on) and
`NEW` the breaking version after it. Against the shipped version it renames `intake` to
`reception` (a case there needs a state map), removes `police_reported` (a case there cannot
move), requires a new field `consent_form` to start mediating (a case in `mediation` lacks
it), drops the category `land` (a case of that category no longer fits) and shortens the
judicial-confirmation window from 30 days to 15 (a case in `agreement` for more than 15 days
is overdue after the move).
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from engine.casework.context import Casework
from engine.casework.publishing import with_version
from engine.definition import Definition
from engine.loader import parse_definition

_SHIPPED = Path(__file__).resolve().parent.parent / "definitions" / "mediation.yaml"
OLD: int = int(yaml.safe_load(_SHIPPED.read_text(encoding="utf-8"))["version"])
"""The version of mediation the repository ships."""
NEW: int = OLD + 1
"""The breaking version after it."""

POLICE_STATE = (
    "  police_reported:\n    label: {zh: 已报警, en: Reported to police}\n"
    "    roles: [mediator, org_admin]\n\n"
)


def _drop_transition(source: str, action: str) -> str:
    return re.sub(rf"  - action: {action}\n.*?(?=  - action: |\Z)", "", source, count=1, flags=re.S)


def breaking_source(shipped: str, version: int = NEW) -> str:
    """The shipped mediation source made breaking, as version `version`."""
    s = with_version(shipped, version)
    s = s.replace("initial: intake", "initial: reception", 1)
    s = s.replace(
        "  intake:\n    label: {zh: 受理登记, en: Intake}",
        "  reception:\n    label: {zh: 接待登记, en: Reception}",
        1,
    )
    s = s.replace("from: intake\n", "from: reception\n")
    s = s.replace("from: [intake, assessment]", "from: [reception, assessment]")
    assert POLICE_STATE in s
    s = s.replace(POLICE_STATE, "", 1)
    s = _drop_transition(s, "report_police")
    s = _drop_transition(s, "close_reported")
    s = s.replace(
        "  mediator:\n    type: string\n    label: {zh: 调解员, en: Mediator}\n",
        "  mediator:\n    type: string\n    label: {zh: 调解员, en: Mediator}\n"
        "  consent_form:\n    type: string\n"
        "    label: {zh: 调解同意书编号, en: Consent form number}\n",
        1,
    )
    s = s.replace(
        "requires: [category, risk_level, in_scope, organisation, mediator, domestic_violence,"
        " crime_risk]",
        "requires: [category, risk_level, in_scope, organisation, mediator, domestic_violence,"
        " crime_risk, consent_form]",
        1,
    )
    s = s.replace("consumer, tort, land, other]", "consumer, tort, other]", 1)
    s = s.replace("      land: {zh: 土地山林纠纷, en: Land}\n", "", 1)
    s = s.replace("        after: 30 days\n", "        after: 15 days\n", 1)
    return s


def breaking_next(cw: Casework) -> Definition:
    """Add the breaking version after the latest mediation in the registry (as publishing
    would)."""
    old = cw.registry.latest("mediation")
    version = old.version + 1
    definition = parse_definition(
        breaking_source(old.source, version), file=f"mediation@v{version}"
    )
    cw.registry.add(definition)
    return definition
