"""The migration plan form: what was typed, checked against the published versions, and the
plan request it makes (engine.casework.migration.PlanRequest).

Every state of the older version that the target version lacks gets a row with a select: a
state of the target that is not final, or "leave" (the cases in it are refused). The choice
is explicit: a row left on "choose" is an error on that row. Which cases: every open case,
those in the states ticked, or a list of case numbers. The reason is required.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from starlette.datastructures import FormData

from api.catalogs import texts
from api.pages.forms import Option
from api.pages.i18n import translate
from engine.casework.migration import MAX_CASE_IDS, REASON_MAX, PlanRequest
from engine.definition import Definition
from engine.errors import UnknownWorkflowError
from engine.migration_check import PlanProblem
from engine.registry import Registry

LEAVE = "-"
SCOPES: tuple[str, ...] = ("all", "states", "ids")
MAP_PREFIX = "map_"
_CASE_ID_MAX = 2**63 - 1
_SEPARATORS = re.compile(r"[\s,，、;；]+")


@dataclass(slots=True)
class PlanForm:
    """What the plan form holds, as typed."""

    workflow: str = ""
    from_text: str = ""
    to_text: str = ""
    mapping: dict[str, str] = field(default_factory=dict)
    scope: str = "all"
    states: list[str] = field(default_factory=list)
    ids_text: str = ""
    reason: str = ""

    @classmethod
    def read(cls, values: FormData) -> PlanForm:
        def text(name: str) -> str:
            value = values.get(name)
            return value.strip() if isinstance(value, str) else ""

        mapping = {}
        for key in values:
            if key.startswith(MAP_PREFIX):
                mapping[key[len(MAP_PREFIX) :]] = text(key)
        return cls(
            workflow=text("workflow"),
            from_text=text("from"),
            to_text=text("to"),
            mapping=mapping,
            scope=text("scope") or "all",
            states=[s for s in values.getlist("states") if isinstance(s, str)],
            ids_text=text("case_ids"),
            reason=text("reason"),
        )


@dataclass(slots=True)
class MappingRow:
    """One state of the older version the target lacks, and where its cases go."""

    state: str
    label: str
    value: str
    error: str = ""

    @property
    def input_name(self) -> str:
        return MAP_PREFIX + self.state


@dataclass(slots=True)
class Versions:
    """The workflow and the two versions the form names, once checked."""

    source: Definition | None
    target: Definition | None
    errors: dict[str, str]


def resolve(registry: Registry, form: PlanForm, lang: str) -> Versions:
    """The published versions the form names; an error on each field that names none."""
    errors: dict[str, str] = {}
    if not form.workflow or form.workflow not in registry.names():
        errors["workflow"] = translate(lang, "mig.err.workflow")
        return Versions(None, None, errors)
    source = _version(registry, form.workflow, form.from_text)
    target = _version(registry, form.workflow, form.to_text)
    if source is None:
        errors["from"] = translate(lang, "mig.err.version")
    if target is None:
        errors["to"] = translate(lang, "mig.err.version")
    if source is not None and target is not None and source.version == target.version:
        errors["to"] = translate(lang, "mig.err.same")
    return Versions(source, target, errors)


def _version(registry: Registry, workflow: str, text: str) -> Definition | None:
    if not text.isdigit() or len(text) > 9:
        return None
    try:
        return registry.get(workflow, int(text))
    except UnknownWorkflowError:
        return None


def lacking(source: Definition, target: Definition) -> list[str]:
    """The states of `source` a case can be in (not final) that `target` lacks."""
    return [n for n, s in source.states.items() if not s.final and n not in target.states]


def open_states(definition: Definition) -> list[str]:
    return [n for n, s in definition.states.items() if not s.final]


def state_options(definition: Definition, lang: str) -> list[Option]:
    """The states a case may be moved to or chosen by: those that are not final."""
    return [Option(n, definition.states[n].label.get(lang)) for n in open_states(definition)]


def mapping_rows(
    source: Definition, target: Definition, form: PlanForm, lang: str
) -> list[MappingRow]:
    return [
        MappingRow(n, source.states[n].label.get(lang), form.mapping.get(n, ""))
        for n in lacking(source, target)
    ]


def case_ids(text: str) -> tuple[list[int], list[str]]:
    """The case numbers of a list, and the items that are not case numbers."""
    ids: list[int] = []
    bad: list[str] = []
    for item in _SEPARATORS.split(text):
        token = item.lstrip("#")
        if not item:
            continue
        if token.isdigit() and len(token) < 19 and 1 <= int(token) <= _CASE_ID_MAX:
            if int(token) not in ids:
                ids.append(int(token))
        else:
            bad.append(item)
    return ids, bad


@dataclass(slots=True)
class Checked:
    """The form checked: the request to plan, or the errors by field (and by mapping row)."""

    request: PlanRequest | None
    errors: dict[str, str]
    rows: list[MappingRow]


def check(registry: Registry, form: PlanForm, lang: str) -> Checked:
    """Every problem of the form at once, each on its field; the request when none."""
    versions = resolve(registry, form, lang)
    errors = dict(versions.errors)
    source, target = versions.source, versions.target
    rows: list[MappingRow] = []
    state_map: dict[str, str] = {}
    if source is not None and target is not None:
        rows = mapping_rows(source, target, form, lang)
        allowed = set(open_states(target))
        for row in rows:
            if row.value == "":
                row.error = translate(lang, "mig.err.map")
            elif row.value != LEAVE and row.value not in allowed:
                row.error = translate(lang, "mig.err.map_choice")
            elif row.value != LEAVE:
                state_map[row.state] = row.value
            if row.error:
                errors[row.input_name] = row.error
    states: tuple[str, ...] = ()
    ids: tuple[int, ...] = ()
    if form.scope not in SCOPES:
        errors["scope"] = translate(lang, "mig.err.scope")
    elif form.scope == "states":
        chosen = [s for s in form.states if source is None or s in source.states]
        if not chosen or len(chosen) != len(form.states):
            errors["states"] = translate(lang, "mig.err.states")
        states = tuple(dict.fromkeys(chosen))
    elif form.scope == "ids":
        found, bad = case_ids(form.ids_text)
        if bad:
            errors["case_ids"] = translate(lang, "mig.err.ids", bad="、".join(bad[:5]))
        elif not found:
            errors["case_ids"] = translate(lang, "mig.err.ids_empty")
        elif len(found) > MAX_CASE_IDS:
            errors["case_ids"] = translate(lang, "form.max", n=MAX_CASE_IDS)
        ids = tuple(found)
    if not form.reason:
        errors["reason"] = translate(lang, "mig.err.reason")
    elif len(form.reason) > REASON_MAX:
        errors["reason"] = translate(lang, "mig.err.reason_long", n=REASON_MAX)
    if errors or source is None or target is None:
        return Checked(None, errors, rows)
    request = PlanRequest(
        workflow=source.name,
        from_version=source.version,
        to_version=target.version,
        reason=form.reason,
        state_map=state_map,
        states=states,
        case_ids=ids,
    )
    return Checked(request, {}, rows)


def defaults(registry: Registry, form: PlanForm) -> PlanForm:
    """The form as first shown: a workflow with two versions or more, from the version before
    the latest to the latest, unless the link named them."""
    names = registry.names()
    if not form.workflow and names:
        several = [n for n in names if len(registry.versions(n)) > 1]
        form.workflow = (several or names)[0]
    if form.workflow in names:
        versions = [d.version for d in registry.versions(form.workflow)]
        if not form.to_text and versions:
            form.to_text = str(versions[-1])
        if not form.from_text and versions:
            form.from_text = str(versions[-2] if len(versions) > 1 else versions[0])
    return form


def worded(problems: Sequence[str], lang: str) -> list[str]:
    """The use case's problems (engine.migration_check.PlanProblem) in the page's language."""
    out = []
    for problem in problems:
        key = f"mig.problem.{problem.code}" if isinstance(problem, PlanProblem) else ""
        if key not in texts(lang) or not isinstance(problem, PlanProblem):
            out.append(str(problem))
            continue
        values = dict(problem.values)
        if problem.code == "run_status":
            values["status"] = translate(lang, f"mig.status.{values['status']}")
        out.append(translate(lang, key, **values))
    return out
