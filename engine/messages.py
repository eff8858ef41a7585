"""The engine's messages by id: the English text of every problem, refusal and history note
the engine writes, and how to find the id and parameters of a message from its text.

The engine writes its messages in English (the CLI, the logs and the API show them as they
are). Pages show them in the reader's language: `identify` gives a message's id and its
parameters, and the catalogs (api/locale, key ``msg.<id>``) hold the text of each id in each
language. A message matches the template of its id exactly, parameters standing for any text;
a parameter may itself be a message (a hint, a nested reason) and is identified in turn.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache, lru_cache

MESSAGES: Mapping[str, str] = {
    "file.unreadable": "cannot read file: {error}",
    "definition.too_large": "definition too large: {size} characters (at most {limit})",
    "definition.empty": "empty definition",
    "definition.too_many_problems": "{n} problems found; fix these and check again",
    "yaml.syntax": "YAML syntax error: {what}",
    "yaml.error": "YAML error: {error}",
    "yaml.too_large": "too large",
    "yaml.too_many_entries": "too many entries (more than {limit})",
    "yaml.too_deep": "nested too deeply (more than {limit} levels)",
    "yaml.anchors": "YAML anchors and aliases (& and *) are not allowed: write the value out",
    "yaml.single_document": "expected a single document in the stream",
    "yaml.another_document": "but found another document",
    "yaml.unreadable_value": "cannot read this value: {problem}",
    "yaml.expected_mapping": "expected a mapping, got {got}",
    "yaml.plain_key": "a key must be a plain name",
    "yaml.duplicate_key": "duplicate key {key} (first at line {line})",
    "yaml.unknown_key": "unknown key {key}",
    "yaml.missing_key": "missing required key {key}",
    "yaml.expected_got_boolean": "expected {what}, got a boolean ({value})",
    "yaml.expected_got": "expected {what}, got {got}",
    "yaml.expected_list": "expected a list, got {got}",
    "yaml.expected_label": "expected a label {{zh: ..., en: ...}}, got {got}",
    "yaml.label_missing_lang": "label without {lang}: give zh and en",
    "yaml.empty_text": "empty text",
    "yaml.did_you_mean": "did you mean {word}?",
    "duration.did_you_mean": " (did you mean {word}?)",
    "expr.invalid_syntax": "invalid syntax",
    "yaml.or_list": "{what} or a list of them",
    "kind.mapping": "a mapping",
    "kind.list": "a list",
    "kind.text": "a text",
    "kind.number": "a number",
    "kind.nothing": "nothing",
    "kind.something_else": "something else",
    "kind.true_false": "true or false",
    "kind.whole_number": "a whole number",
    "kind.decimal": "a decimal number",
    "kind.field_name": "a field name",
    "kind.state_name": "a state name",
    "kind.action_name": "an action name",
    "kind.action_name_bare": "action name",
    "kind.workflow_name": "workflow name",
    "kind.field_type": "a field type",
    "kind.duration": "a duration such as '7 days'",
    "kind.share": "a share like 80%",
    "kind.a_what": "a {what}",
    "kind.big_number": "a whole number of about {digits} digits",
    "kind.items": "a {kind} of {n} items",
    "kind.date": "a date (YYYY-MM-DD)",
    "kind.datetime": "a date or datetime (ISO 8601, e.g. 2026-12-01T09:00:00+08:00)",
    "def.version_min": "version must be 1 or more, got {version}",
    "def.no_owner_role": "no role could open a case: list at least one",
    "def.initial_unknown": "initial state {state} is not a state",
    "def.accepts_undeclared": "accepts undeclared field {field}",
    "def.engine_owned": "{field} is written by the engine, never taken from input",
    "def.engine_owned_hint": "an action that sets it on purpose lists it in 'requires'",
    "def.listed_twice": "{name} is listed twice",
    "def.name_differs": "workflow name {name} differs from the file name {file}",
    "def.name_differs_hint": "rename the file to {name}.yaml or set name: {file}",
    "def.no_states": "a workflow needs at least one state",
    "def.bad_state_name": "bad state name {name}: {rule}",
    "def.name_rule": "use a lower-case letter, then lower-case letters, digits or _",
    "def.final_timers": "a final state cannot have timers",
    "def.expected_timers": "expected a list of timers",
    "def.duplicate_timer": "duplicate timer name {name} (first at line {line})",
    "def.timer_needs_after": "a timer needs 'after', 'at_field' or 'every'",
    "def.at_field_type": "at_field {field} is a {type} field, not a date or datetime",
    "def.field_not_date": "{what} {field} is a {type} field, not a date or datetime",
    "def.timer_needs_action": "a timer needs an 'action' to fire or roles to 'notify'",
    "def.response_deadline": "a response timer is a deadline: add 'deadline: true'",
    "def.one_response": "only one timer may be the response deadline (the first is at line {line})",
    "def.keep_through": "keep_through names {which} state {state}",
    "def.timer_action_not_transition": "timer action {action} is not a transition from state {state}",
    "def.timer_action_not_in_workflow": "timer action {action} is not a transition of the workflow",
    "def.recurring_after": "a recurring timer falls due 'every' period from its start, not 'after' one",
    "def.recurring_at_field": "a recurring timer falls due 'every' period, not at one field's moment",
    "def.recurring_remind_at": "a recurring timer has no reminder: each occurrence is itself the notice",
    "def.recurring_keep_through": "a recurring timer runs only in its own state, or case-level in all",
    "def.recurring_deadline": "a recurring timer is not a deadline: an occurrence falls due, none is missed",
    "def.recurring_response": "a recurring timer cannot be the response deadline, a single deadline",
    "def.case_keep_through": "a case-level timer runs in every state already: no keep_through",
    "def.case_response": "a case-level timer cannot be the response deadline, which belongs to a state",
    "def.end_without_every": "{key} ends a recurring timer: this one has no 'every'",
    "def.end_without_every_hint": "add 'every: <period>' or remove it",
    "def.until_and_count": "a recurring timer ends by 'until' or by 'count', not both",
    "def.until_state_on_state": "a state's recurring timer ends when the case leaves the state",
    "def.until_state_on_state_hint": "'until_state' is for a case-level timer (the workflow's 'timers:')",
    "def.count_range": "count must be 1 to {max}, got {n}",
    "def.until_state_unknown": "until_state names unknown state {state}",
    "def.recurring_action_internal": "a recurring timer's action must be an internal self-loop: {action} would leave or re-enter the state at each occurrence",
    "def.recurring_action_internal_hint": "use a transition with 'to' = 'from' and 'internal: true'",
    "def.timer_action_no_system": "timer action {action} does not allow role 'system', which fires timers (roles: {roles})",
    "def.timer_action_no_system_hint": "add 'system' to the transition's roles",
    "def.final_tasks": "a final state cannot have tasks",
    "def.tasks_units_type": "units field {field} is a {type} field, not a list of unit codes",
    "def.tasks_title": "tasks given from a units field need a 'title' (what each unit is to do)",
    "def.tasks_remind_notify": "a reminder goes to roles: add 'notify' (the task's unit is told as well)",
    "def.tasks_person_step": "'{key}' is a person's step: not role 'system'",
    "def.tasks_none_given": "no task could ever be given: name a list field in 'units' or roles in 'add'",
    "def.tasks_reentered": "action {action} re-enters {state}, whose tasks would lose their deadlines: make it 'internal: true' or lead to another state",
    "def.tasks_action_unknown": "action {action} is not a transition from state {state}",
    "def.tasks_action_no_system": "action {action} does not allow role 'system', which fires it",
    "def.tasks_overdue_internal": "an overdue task's action {action} must be an internal self-loop",
    "def.tasks_overdue_internal_hint": "the other tasks' deadlines keep running",
    "def.tasks_done_stays": "action {action} stays in {state}: the case moves on when the tasks are done",
    "def.expected_transitions": "expected a list of transitions",
    "def.unknown_state_from": "unknown state {state} in 'from'",
    "def.unknown_state_to": "unknown state {state} in 'to'",
    "def.no_role": "no role may take this action: set 'roles' here or on the source state",
    "def.state_listed_twice": "state {state} is listed twice",
    "def.duplicate_action_also": "duplicate action {action} from state {state} (also transitions[{first}])",
    "def.duplicate_action": "duplicate action {action} from state {state}",
    "def.requires_undeclared": "requires undeclared field {field}",
    "def.internal_self_loop": "only a self-loop (to == from) can be internal",
    "def.set_undeclared": "set names undeclared field {field}",
    "def.unreachable": "unreachable state {state}: no path leads to it from {initial}",
    "def.dead_end": "state {state} has no way out and is not final",
    "def.dead_end_hint": "add a transition to another state or mark it 'final: true'",
    "def.bad_name": "bad {what} {value!r}: {rule}",
    "def.unknown_role": "unknown role {role}",
    "def.known_roles": "known roles: {roles}",
    "def.expected_expression": "expected an expression such as \"risk_level != 'high'\"",
    "def.expression_undeclared": "expression names undeclared field {field}",
    "def.bad_share": "bad share {value}: use 1% to 99%",
    "def.names_undeclared": "{what} names undeclared field {field}",
    "def.by_not_enum": "by field {field} is a {type} field, not enum",
    "def.not_a_value_of": "{value} is not a value of {field} ({values})",
    "def.bad_field_name": "bad field name {name}: {rule}",
    "def.unknown_type": "unknown type {type} (one of {types})",
    "def.reserved_type": "{field} is a reserved field ({meaning}): its type must be {types}, not {type}",
    "def.reserved_hint": "or give the field another name",
    "def.enum_no_values": "enum field without values: add 'values: [...]'",
    "def.enum_empty": "enum field without values: the list is empty",
    "def.duplicate_value": "duplicate value {value}",
    "def.enum_only": "{key} is for enum fields only",
    "def.not_one_of_values": "{value} is not one of the values ({values})",
    "def.number_only": "{key} is for int and number fields only",
    "def.max_below_min": "max {max} is below min {min}",
    "def.out_of_range_64": "{what} out of range: int fields hold 64-bit whole numbers",
    "def.out_of_range": "{what} out of range: {error}",
    "def.default_wrong_type": "default of the wrong type: {error}",
    "def.default_below": "default {value} is below min {min}",
    "def.default_above": "default {value} is above max {max}",
    "def.expected_tiers": "expected a list of tiers",
    "def.duplicate_tier": "duplicate tier {name}",
    "def.int_range": "whole numbers must lie between {min} and {max}",
    "def.finite": "numbers must be finite (not NaN or Infinity, at most 1.8e308)",
    "def.not_one_of_hint": "{value} is not one of {values} ({hint})",
    "def.not_one_of": "{value} is not one of {values}",
    "def.points_list": "expected a list of points entries",
    "def.points_account": "a points entry needs either 'person' or 'unit'",
    "def.points_amount": "a points entry needs either 'award' or 'deduct'",
    "def.points_unknown_account": "unknown {kind} {name}: write {own} or a declared field",
    "def.points_account_type": "{kind} field {name} is a {type} field, not a string or enum",
    "def.points_amount_scalar": "expected a whole number of points or an int field",
    "def.points_amount_field": "amount field {name} is a {type} field, not an int",
    "def.points_amount_not_int": "amount {value} is not a whole number of points nor an int field",
    "def.points_amount_range": "amount {value} must lie between 1 and {max}",
    "def.points_deduct_hint": "write 'deduct' to take points away",
    "def.points_category_field": "category field {name} is a {type} field, not an enum",
    "def.points_category_values": "category field {name} has values that are no points category: {values}",
    "def.points_categories": "categories: {categories}",
    "def.points_unknown_category": "unknown points category {name}",
    "def.points_redemption": "category 'redemption' is written by redemptions only, not by a workflow",
    "expr.syntax_incomplete": "syntax error: incomplete expression ({error})",
    "expr.syntax": "syntax error: {error}",
    "expr.not_string": "expected an expression string, not {kind}",
    "expr.empty": "empty expression",
    "expr.too_long": "expression is too long ({n} characters; at most {limit})",
    "expr.too_deep_limit": "expression is too deeply nested (more than {limit})",
    "expr.too_deep": "expression is too deeply nested",
    "expr.cannot_evaluate": "cannot evaluate: {error}",
    "expr.not_finite": "this always computes a number that is not finite",
    "expr.beyond_64": "this always computes a whole number beyond 64 bits",
    "expr.node_not_allowed": "{node} is not allowed",
    "expr.attribute": "attribute access is not allowed",
    "expr.subscript": "subscripts (indexing and slicing) are not allowed",
    "expr.slices": "slices are not allowed",
    "expr.lambda": "lambda is not allowed",
    "expr.comprehension": "comprehensions are not allowed",
    "expr.generator": "generator expressions are not allowed",
    "expr.fstring": "f-strings are not allowed",
    "expr.walrus": "assignment expressions (:=) are not allowed",
    "expr.dict": "dict literals are not allowed",
    "expr.set": "set literals are not allowed",
    "expr.starred": "starred arguments (*x) are not allowed",
    "expr.await": "await is not allowed",
    "expr.yield": "yield is not allowed",
    "expr.ellipsis": "'...' is not allowed",
    "expr.bytes": "bytes literals are not allowed",
    "expr.complex": "complex numbers are not allowed",
    "expr.assignment": "assignment is not allowed",
    "expr.keyword_args": "keyword arguments are not allowed",
    "expr.must_call": "function {name} must be called, e.g. {call}(x)",
    "expr.operator_use": "operator '{symbol}' is not allowed; use {hint}",
    "expr.operator": "operator '{symbol}' is not allowed",
    "expr.only_functions": "only these functions can be called: {allowed}",
    "expr.function_not_allowed": "function {name} is not allowed; allowed: {allowed}",
    "expr.arity": "{name}() takes {wanted}, got {count}",
    "expr.at_least": "at least {n} argument",
    "expr.between": "{least} to {most} arguments",
    "expr.exactly": "{n} argument",
    "expr.unary": "cannot apply unary '{symbol}' to {what}",
    "expr.binary": "cannot apply '{symbol}' to {left} and {right}",
    "expr.division_by_zero": "division by zero in '{symbol}'",
    "expr.never_equals": "{a} never equals {b}: {always}",
    "expr.always_false": "'==' is always false",
    "expr.always_true": "'!=' is always true",
    "expr.never_matches": "this item never matches",
    "expr.null_always": "'{symbol}' null is always {always}",
    "expr.null_false": "'{symbol}' with null is always false",
    "expr.cannot_compare": "cannot compare {a} and {b} with '{symbol}'",
    "expr.cannot_look_for": "cannot look for {item} in {container}",
    "expr.needs_container": "'{symbol}' needs a string or list on the right, not {what}",
    "expr.needs": "{name}() needs {needs}, not {what}",
    "expr.fails_always": "{name}() fails on every value of {what}",
    "expr.needs_list": "{name}() of one argument needs a list, not {what}",
    "expr.cannot_compare_fn": "{name}() cannot compare {a} and {b}",
    "expr.field": "{type} field {name}",
    "expr.value_of": "a value of {what}",
    "expr.one_of": "one of: {values}",
    "expr.not_member": "{value} is not {what}",
    "expr.not_form": "{value} is not {form} to compare {what} with",
    "expr.does_not_fit": "{what} does not fit {type} field {name}",
    "expr.no_enum_value": "{what} holds no value of enum field {name}",
    "expr.not_value_of": "{value} is not a value of {target}",
    "expr.not_date_for": "{value} is not {form} for {target}",
    "expr.not_fit": "{what} does not fit {target}",
    "expr.below_min": "{value} is below the minimum {min} of {target}",
    "expr.above_max": "{value} is above the maximum {max} of {target}",
    "expr.whole_hint": "round(...) or // give a whole number",
    "expr.list_hint": "write a list in [ ]",
    "expr.string_or_list": "a string or list",
    "expr.number_or_string": "a number or string",
    "expr.whole_digits": "whole-number digits",
    "expr.a_bool": "a bool",
    "expr.a_string": "a string",
    "expr.a_value": "a value",
    "expr.known_string": "string {value!r}",
    "expr.known_number": "number {value}",
    "expr.known_bool": "bool {value}",
    "expr.known_tuple": "tuple {value}",
    "duration.bad": "bad duration {text}: expected {accepted}",
    "duration.unknown_unit": "bad duration {text!r}: unknown unit {unit!r}{hint}; expected {accepted}",
    "duration.amount": "bad duration {text}: the amount must be a positive whole number; expected {accepted}",
    "duration.too_long": "bad duration {text}: too long (at most about 100 years)",
    "duration.bad_period": "bad period {text}: expected {accepted}",
    "duration.period_unit": "bad period {text}: a recurring timer counts whole days, working days, weeks, half months or months, not {unit}",
    "duration.every_accepted": "'<n> days', '<n> weeks', '<n> working days', 'half month' or '<n> months' ('month' for one), e.g. 'every: 7 days', 'every: half month', 'every: month'",
    "duration.accepted": "'<n> <unit>' with n a positive whole number and unit one of minute(s), hour(s), day(s), week(s), month(s), working day(s), working hour(s) (e.g. '30 minutes', '2 hours', '7 days', '1 month', '15 working days', '4 working hours'), or a short form 30m, 2h, 7d, 2w",
    "duration.out_of_range": "{duration} after {start} is out of range",
    "timer_edit.unreadable": "the YAML cannot be read: {error}",
    "timer_edit.bad_role": "bad role name {role}",
    "shipped.left_out": "{what}. This file is left out: cases keep their versions, new cases open on v{latest}",
    "shipped.raise_version": "raise `version` to {version}",
    "shipped.changed": "{name} v{version} was published from this file on {on} with other content: the file changed without raising its version",
    "shipped.published_by": "{name} v{version} was published by {who} on {on} (API or editor) with other content than this file",
    "shipped.superseded": "{name} v{latest} is published already; v{version} would never be used",
    "refusal.unknown_workflow_hint": "unknown workflow {what} ({hint})",
    "refusal.unknown_workflow": "unknown workflow {what}",
    "refusal.unknown_timer": "state {state} has no timer {timer}",
    "refusal.case_not_found": "case {id} not found",
    "refusal.unknown_action_hint": "action {action} is not possible in state {state} (possible: {possible}); {hint}",
    "refusal.unknown_action": "action {action} is not possible in state {state} (possible: {possible})",
    "refusal.role": "role {role} may not {action} (allowed: {roles})",
    "refusal.requires": "action {action} requires: {fields}",
    "refusal.guard_message": "guard of {action} failed: {guard} ({message})",
    "refusal.guard": "guard of {action} failed: {guard}",
    "refusal.deadline": "action {action} refused: {message}",
    "refusal.effect": "{action}: cannot set {field}: {message}",
    "refusal.points": "{action}: cannot record points: {message}",
    "refusal.points_no_account": "no {kind} in {name}",
    "refusal.points_no_number": "{name} holds no whole number",
    "refusal.points_range": "{amount} points: an amount lies between 1 and {max}",
    "refusal.points_no_category": "{name} holds no points category",
    "refusal.points_insufficient": "{account} has {balance} points, {asked} asked: not enough",
    "refusal.points_unknown_entry": "points entry #{id} does not exist",
    "refusal.points_counter_entry": "points entry #{id} is a counter-entry: make a new entry",
    "refusal.points_corrected": "points entry #{id} is corrected already by #{by}",
    "refusal.conflict": "case {id} is at version {actual}, not {expected}: someone else moved it",
    "refusal.idempotency": "idempotency key {key} was already used for another request",
    "refusal.deadline_passed": "{timer} passed at {when}: ask before the deadline",
    "refusal.new_deadline_past": "the new deadline {at} is past",
    "refusal.new_deadline_not_beyond": "the new deadline {at} is not beyond the running one ({running})",
    "refusal.no_state": "{workflow} v{version} has no state {state}",
    "refusal.roles_needed": "this needs one of the roles: {roles}",
    "refusal.out_of_scope": "{what} {unit} is outside your organisation and grid units",
    "refusal.unknown_unit": "unit {unit} does not exist",
    "refusal.owner_missing": "a case needs an owning organisation or a grid unit",
    "refusal.key_length": "Idempotency-Key must have 1 to {n} characters",
    "refusal.publish_conflict": "{name} v{version} exists already; reload and publish again",
    "refusal.throttled": "try again in {seconds} seconds",
    "refusal.stale_draft": "{name} is at v{latest} now, not v{based_on} as reviewed; review the draft against the latest version and publish again",
    "refusal.reason": "give a reason of 1 to {n} characters",
    "refusal.no_migration": "no migration run {id}",
    "refusal.confirm": "{what} needs an explicit confirmation",
    "refusal.unknown_task": "case {case} has no task {task}",
    "refusal.task_input": "task {field}: {problem}",
    "refusal.task_finished": "task {task} is {status}: it can no longer change",
    "refusal.rate_range": "the range holds more than {n} {period} periods; narrow it",
    "note.deadline_reason_late": "deadline missed: {timer} ({reason_zh} / {reason_en}); fired {late} late",
    "note.deadline_reason": "deadline missed: {timer} ({reason_zh} / {reason_en})",
    "note.deadline_late": "deadline missed: {timer}; fired {late} late",
    "note.deadline": "deadline missed: {timer}",
    "note.step_reason_late": "{timer} ({reason_zh} / {reason_en}); fired {late} late",
    "note.step_reason": "{timer} ({reason_zh} / {reason_en})",
    "note.already_fired": "already fired",
    "note.deadline_missed": "deadline missed",
    "note.migrated": "migrated from {workflow} v{from_version} to v{to_version}",
    "note.timer_error": "timer {id}: {error}",
    # what the reserved fields mean (engine.reserved)
    "reserved.tier": "grid tier 0–4; units up the grid's tree see the case",
    "reserved.organisation": "the organisation it was routed to",
    "reserved.handling_unit": "the unit handling the case now",
    "reserved.lead_unit": "the lead unit of a joint handling",
    "reserved.co_handlers": "the co-handling units of a joint handling",
    "reserved.mediator": "the mediator the case is assigned to",
    "reserved.assignee": "the person the case is assigned to",
    "reserved.outcome": "how the case ended; feeds the rates",
    "reserved.rating": "the requester's rating 1–5; feeds the rates",
    "reserved.category": "the category rates are broken down by",
    "reserved.dispute_type": "the category, when there is none",
    "reserved.text_filter": "searched by the text filter",
    "reserved.merged_into": "the case this one was merged into",
    "reserved.escalation_count": "how many tiers the case climbed",
    "reserved.disclosure": "a disclosure kept even if refused",
    # migrations
    "migration.different_workflows": "{source} and {target} are different workflows",
    "migration.same_version": "the cases are on v{version} already: choose another version",
    "migration.map_no_state": "state map {old} -> {new}: v{version} has no state {state!r}",
    "migration.map_final": "state map {old} -> {new}: {state!r} is a final state of v{version}",
    "migration.state_no_state": "state {name}: v{version} has no state {state!r}",
    "migration.not_published": "{name} v{version} is not published",
    "migration.reason": "a reason of 1 to {n} characters is required",
    "migration.too_many_cases": "at most {n} cases may be listed",
    "migration.run_status": "run {id} is {status}: plan a new run instead",
    "migration.no_preview": "run {id} has no preview yet: preview it first",
    # a dry run's own steps (the editor's dry run reads `field=value` pairs)
    "step.expected_pair": "expected field=value, got {pair}",
    "step.unknown_field": "unknown field {field}",
}

# `{name}` stands for any text; `{name!r}` for a quoted one (a name as the engine shows it,
# `'close'`), where any text would make the match ambiguous.
_PLACEHOLDER = re.compile(r"(?<!\{)\{(\w+)(!r)?\}(?!\})")
_QUOTED = "|".join((r"'(?:[^'\\]|\\.)*'", r'"(?:[^"\\]|\\.)*"'))


@dataclass(frozen=True, slots=True)
class Message:
    """A message found by its text: its id and the text of each parameter."""

    id: str
    params: Mapping[str, str]


def _literal(text: str) -> str:
    return text.replace("{{", "{").replace("}}", "}")


def _pattern(template: str) -> re.Pattern[str]:
    parts: list[str] = []
    at = 0
    for m in _PLACEHOLDER.finditer(template):
        parts.append(re.escape(_literal(template[at : m.start()])))
        parts.append(f"(?P<{m.group(1)}>{_QUOTED if m.group(2) else '.+?'})")
        at = m.end()
    parts.append(re.escape(_literal(template[at:])))
    return re.compile("".join(parts), re.DOTALL)


@cache
def _patterns() -> tuple[tuple[str, re.Pattern[str]], ...]:
    """Every template as a pattern, the most literal text first: a message matches the most
    specific template it fits ("unknown workflow x (hint)" before "unknown workflow x")."""

    def literal_length(template: str) -> int:
        return len(_PLACEHOLDER.sub("", template))

    ordered = sorted(MESSAGES.items(), key=lambda kv: -literal_length(kv[1]))
    return tuple((key, _pattern(template)) for key, template in ordered)


def identify(text: str) -> Message | None:
    """The id and parameters of an engine message, or None for a text that is no message
    of the engine's (a workflow's own text, a value)."""
    found = _identified(text)
    return Message(found[0], dict(found[1])) if found is not None else None


@lru_cache(maxsize=4096)
def _identified(text: str) -> tuple[str, tuple[tuple[str, str], ...]] | None:
    """The templates tried in turn, once per distinct text: the same notes and problems
    come back on every page that shows them."""
    for key, pattern in _patterns():
        if m := pattern.fullmatch(text):
            return key, tuple(m.groupdict().items())
    return None


def placeholders(template: str) -> set[str]:
    return {name for name, _ in _PLACEHOLDER.findall(template)}


def catalog_text(template: str) -> str:
    """A template as the catalogs write it: `{name!r}` is `{name}` there (the parameter
    comes quoted already)."""
    return _PLACEHOLDER.sub(lambda m: "{" + m.group(1) + "}", template)
