"""Engine records → public response models (personal data masked here)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.responses import Response

from api.masking import mask_address, mask_id_number, mask_name, mask_phone, mask_value
from api.schemas.cases import (
    ActionOut,
    CaseOut,
    CaseSummary,
    DeadlineOut,
    EventOut,
    FieldOut,
    FireOut,
    PartyOut,
)
from api.schemas.common import AuditOut, LabelOut, UserOut
from engine.casework.audit_log import AuditEntry
from engine.casework.cases import CaseListItem
from engine.casework.identity import User
from engine.casework.parties import PartyRecord
from engine.definition import Definition, FieldDef, Label
from engine.external import ExternalRef
from engine.model import Case, Event, FireResult, Timer
from engine.service import ActionOption

ANONYMOUS = "匿名"


def label(value: Label) -> LabelOut:
    return LabelOut(zh=value.zh, en=value.en)


def user_out(user: User) -> UserOut:
    return UserOut(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        role=user.role,
        unit=user.unit,
        grid_units=list(user.grid_units),
        lang=user.lang,
    )


def masked_data(definition: Definition, data: Mapping[str, Any]) -> dict[str, Any]:
    """Workflow data with the definition's `personal: true` fields masked."""
    out = dict(data)
    for name, f in definition.fields.items():
        if f.personal and name in out:
            out[name] = mask_value(out[name])
    return out


def case_out(case: Case, definition: Definition, external: ExternalRef | None = None) -> CaseOut:
    st = definition.states.get(case.state)
    return CaseOut(
        id=case.id,
        workflow=case.workflow,
        workflow_version=case.workflow_version,
        state=case.state,
        state_label=label(st.label) if st else LabelOut(zh=case.state, en=case.state),
        final=bool(st and st.final),
        data=masked_data(definition, case.data),
        version=case.version,
        opened_at=case.opened_at,
        updated_at=case.updated_at,
        state_entered_at=case.state_entered_at,
        org_unit=case.org_unit,
        grid_unit=case.grid_unit,
        assignee=case.assignee,
        opened_by=case.opened_by,
        closed_at=case.closed_at,
        external_source=external.source if external else None,
        external_id=external.ticket if external else None,
    )


def case_summary(item: CaseListItem, definition: Definition) -> CaseSummary:
    base = case_out(item.case, definition, item.external)
    return CaseSummary(**base.model_dump(), next_deadline=item.next_deadline, overdue=item.overdue)


def event_out(event: Event, definition: Definition) -> EventOut:
    return EventOut(
        seq=event.seq,
        at=event.at,
        actor=event.actor,
        role=event.role,
        action=event.action,
        from_state=event.from_state,
        to_state=event.to_state,
        data=masked_data(definition, event.data),
        changes=masked_data(definition, event.changes),
        case_version=event.case_version,
        lateness_s=event.lateness_s,
        note=event.note,
    )


def deadline_out(timer: Timer) -> DeadlineOut:
    return DeadlineOut(name=timer.name, kind=timer.kind, fire_at=timer.fire_at, action=timer.action)


def field_out(f: FieldDef, required: bool) -> FieldOut:
    return FieldOut(
        name=f.name,
        type=f.type,
        label=label(f.label),
        values=list(f.values),
        value_labels={k: label(v) for k, v in f.value_labels.items()},
        min=f.min,
        max=f.max,
        required=required,
        help=label(f.help) if f.help else None,
    )


def action_out(option: ActionOption, definition: Definition) -> ActionOut:
    t = option.transition
    names = list(t.requires)
    if t.guard is not None:
        names += [n for n in sorted(t.guard.names) if n not in names and n in t.accepts]
    fields = [
        field_out(definition.fields[n], n in t.requires) for n in names if n in definition.fields
    ]
    return ActionOut(
        action=t.action,
        label=label(t.label),
        to=t.dest,
        requires=list(t.requires),
        missing=list(option.missing),
        guard=t.guard.source if t.guard is not None else None,
        guard_ok=option.guard_ok,
        guard_message=label(t.guard_message) if t.guard_message else None,
        fields=fields,
    )


def party_out(p: PartyRecord, masked: bool) -> PartyOut:
    if not masked:
        return PartyOut(
            id=p.id,
            party_role=p.party_role,
            name=p.name,
            phone=p.phone,
            id_number=p.id_number,
            address=p.address,
            sensitive=p.sensitive,
            anonymous=p.anonymous,
            masked=False,
        )
    if p.anonymous:
        # A reporter anonymous to the unit complained about: nothing that could trace them,
        # not even a phone's last four digits, an ID number's region or an address's district.
        return PartyOut(
            id=p.id,
            party_role=p.party_role,
            name=ANONYMOUS,
            phone=None,
            id_number=None,
            address=None,
            sensitive=p.sensitive,
            anonymous=True,
            masked=True,
        )
    return PartyOut(
        id=p.id,
        party_role=p.party_role,
        name=mask_name(p.name),
        phone=mask_phone(p.phone),
        id_number=mask_id_number(p.id_number),
        address=mask_address(p.address),
        sensitive=p.sensitive,
        anonymous=p.anonymous,
        masked=True,
    )


def fire_out(
    result: FireResult,
    definition: Definition,
    response: Response,
    external: ExternalRef | None = None,
) -> FireOut:
    """A firing's answer; a replayed one also says so in `Idempotent-Replayed`."""
    if result.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return FireOut(
        case=case_out(result.case, definition, external),
        event=event_out(result.event, definition),
        replayed=result.replayed,
    )


def audit_out(e: AuditEntry) -> AuditOut:
    return AuditOut(
        id=e.id,
        at=e.at.isoformat(),
        username=e.username,
        case_id=e.case_id,
        party_id=e.party_id,
        action=e.action,
        reason=e.reason,
    )
