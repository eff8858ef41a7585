"""Field names that carry meaning beyond their workflow, declared once.

A workflow may use any field names; these few are read by the engine itself (who sees a case,
whose queue it is in, which rates it counts in, what text search looks at). A definition that
declares one must give it the type listed here (the loader checks it), and
``definitions/README.md`` lists them. Everything else in the engine and its adapters refers to
these constants, never to the bare names.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType


@dataclass(frozen=True, slots=True)
class ReservedField:
    """A field name the engine reads, the field types it may have, and what it means."""

    name: str
    types: tuple[str, ...]  # engine.definition.FIELD_TYPES
    meaning: str


TIER = "tier"
ORGANISATION = "organisation"
HANDLING_UNIT = "handling_unit"
LEAD_UNIT = "lead_unit"
CO_HANDLERS = "co_handlers"
MEDIATOR = "mediator"
ASSIGNEE = "assignee"
OUTCOME = "outcome"
SATISFACTION = "satisfaction"
RATING = "rating"
CATEGORY = "category"
DISPUTE_TYPE = "dispute_type"
DESCRIPTION = "description"
LOCATION = "location"
MERGED_INTO = "merged_into"
ESCALATION_COUNT = "escalation_count"
DOMESTIC_VIOLENCE = "domestic_violence"
CRIME_RISK = "crime_risk"
AGREEMENT_TERMS = "agreement_terms"
VISIT_DATE = "visit_date"
PERFORMANCE = "performance"
LINKED_CASES = "linked_cases"
EMPLOYER_CODE = "employer_code"
BLACKLISTED = "blacklisted"
EMPLOYER_LISTED = "employer_listed"

# Units named here hold the case besides its owner (they see it, and its notifications go to
# them): a single unit code each ...
HANDOFF_FIELDS: tuple[str, ...] = (ORGANISATION, HANDLING_UNIT, LEAD_UNIT)
# ... or a list of unit codes.
HANDOFF_LIST_FIELDS: tuple[str, ...] = (CO_HANDLERS,)
# The person a case is assigned to ("my cases").
ASSIGNEE_FIELDS: tuple[str, ...] = (MEDIATOR, ASSIGNEE)
# Searched by the text filter of case lists.
TEXT_FIELDS: tuple[str, ...] = (DESCRIPTION, LOCATION)
# The category rates are broken down by, the first one present.
CATEGORY_FIELDS: tuple[str, ...] = (CATEGORY, DISPUTE_TYPE)
# The requester's rating, the first one present (1–5).
RATING_FIELDS: tuple[str, ...] = (SATISFACTION, RATING)
# A safety disclosure: once someone says so, it stays on record even when the step that
# carried it is refused (engine.casework.disclosures).
DISCLOSURE_FIELDS: tuple[str, ...] = (DOMESTIC_VIOLENCE, CRIME_RISK)
# Written by the engine's own rules, never taken from a person's input unless an action
# `requires` it (handing a case to a unit is an action of its own): the tier and its
# escalation counter, and the units that see the case. The loader refuses an `accepts`
# (of an action or of opening) that names one of them.
# The wage-arrears blacklist (拖欠农民工工资失信联合惩戒对象名单): an open case whose
# `blacklisted` is true puts the employer named by its `employer_code` on the list; a case
# opened with an `employer_listed` field has it filled, at its opening, with whether its own
# `employer_code` is on the list then (engine.casework.employer_list).
LISTING_FIELDS: tuple[str, ...] = (BLACKLISTED, EMPLOYER_LISTED)
ENGINE_OWNED: tuple[str, ...] = (
    TIER,
    ESCALATION_COUNT,
    *HANDOFF_FIELDS,
    *HANDOFF_LIST_FIELDS,
    *LISTING_FIELDS,
)

RESERVED: MappingProxyType[str, ReservedField] = MappingProxyType(
    {
        f.name: f
        for f in (
            ReservedField(TIER, ("int",), "grid tier 0–4; units up the grid's tree see the case"),
            ReservedField(ORGANISATION, ("enum", "string"), "the organisation it was routed to"),
            ReservedField(HANDLING_UNIT, ("enum", "string"), "the unit handling the case now"),
            ReservedField(LEAD_UNIT, ("enum", "string"), "the lead unit of a joint handling"),
            ReservedField(CO_HANDLERS, ("list",), "the co-handling units of a joint handling"),
            ReservedField(MEDIATOR, ("string",), "the mediator the case is assigned to"),
            ReservedField(ASSIGNEE, ("string",), "the person the case is assigned to"),
            ReservedField(OUTCOME, ("enum",), "how the case ended; feeds the rates"),
            ReservedField(SATISFACTION, ("int",), "the requester's rating 1–5; feeds the rates"),
            ReservedField(RATING, ("int",), "the requester's rating 1–5; feeds the rates"),
            ReservedField(CATEGORY, ("enum", "string"), "the category rates are broken down by"),
            ReservedField(DISPUTE_TYPE, ("enum", "string"), "the category, when there is none"),
            ReservedField(DESCRIPTION, ("text", "string"), "searched by the text filter"),
            ReservedField(LOCATION, ("text", "string"), "searched by the text filter"),
            ReservedField(MERGED_INTO, ("string", "int"), "the case this one was merged into"),
            ReservedField(ESCALATION_COUNT, ("int",), "how many tiers the case climbed"),
            ReservedField(DOMESTIC_VIOLENCE, ("bool",), "a disclosure kept even if refused"),
            ReservedField(CRIME_RISK, ("bool",), "a disclosure kept even if refused"),
            ReservedField(AGREEMENT_TERMS, ("text", "string"), "the terms agreed: printable"),
            ReservedField(VISIT_DATE, ("date", "datetime"), "the follow-up visit's date"),
            ReservedField(PERFORMANCE, ("enum", "string"), "how the agreement was performed"),
            ReservedField(LINKED_CASES, ("list",), "case ids shown each task given (decisions)"),
            ReservedField(EMPLOYER_CODE, ("string",), "the employer: the wage-arrears blacklist"),
            ReservedField(BLACKLISTED, ("bool",), "open and true: the employer is on the list"),
            ReservedField(EMPLOYER_LISTED, ("bool",), "the employer was on the list at opening"),
        )
    }
)
