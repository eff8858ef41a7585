"""Changing a deadline without writing YAML: the form under each timer of a definition page
(its length, its reminder, the roles it notifies), read into a draft to review."""

from __future__ import annotations

from dataclasses import dataclass, field

from starlette.datastructures import FormData

from api.pages.i18n import translate
from engine.definition import KNOWN_ROLES, SYSTEM_ROLE, TimerDef
from engine.durations import UNITS

# Roles a timer may notify, in the order the form offers them.
NOTIFIABLE: tuple[str, ...] = tuple(r for r in KNOWN_ROLES if r != SYSTEM_ROLE)
MAX_AMOUNT = 100_000


@dataclass(frozen=True, slots=True)
class Choice:
    value: str
    label: str
    chosen: bool


@dataclass(frozen=True, slots=True)
class TimerForm:
    """The form of one timer, filled with its values (or with what was typed)."""

    state: str
    name: str
    has_length: bool
    table_by: str
    amount: str
    units: list[Choice]
    remind: str
    roles: list[Choice]
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return f"timer-{self.state}-{self.name}"


@dataclass(frozen=True, slots=True)
class TimerChange:
    """What the form asks for; None leaves an entry as it is."""

    after: str | None
    remind_at: float | None
    notify: tuple[str, ...] | None


def has_length(timer: TimerDef) -> bool:
    """Whether the timer has a length to change (a date field alone gives none)."""
    return timer.after.duration is not None or timer.after.by is not None


def _percent(share: float | None) -> str:
    return "" if share is None else f"{round(share * 100, 2):g}"


def timer_form(
    timer: TimerDef,
    lang: str,
    typed: FormData | None = None,
    errors: dict[str, str] | None = None,
) -> TimerForm:
    duration = timer.after.duration
    amount = str(duration.amount) if duration is not None else ""
    unit = duration.unit if duration is not None else "working_days"
    remind = _percent(timer.remind_at)
    notify: set[str] = set(timer.notify)
    if typed is not None:
        amount = str(typed.get("amount", ""))
        unit = str(typed.get("unit", unit))
        remind = str(typed.get("remind", ""))
        notify = {str(r) for r in typed.getlist("notify")}
    return TimerForm(
        timer.state,
        timer.name,
        has_length(timer),
        timer.after.by or "",
        amount,
        [Choice(u, translate(lang, f"unit.{u}"), u == unit) for u in UNITS],
        remind,
        [Choice(r, translate(lang, f"role.{r}"), r in notify) for r in NOTIFIABLE],
        errors or {},
    )


def read_timer_form(
    timer: TimerDef, form: FormData, lang: str
) -> tuple[TimerChange | None, dict[str, str]]:
    """The change the form asks for, or the errors of each input. An entry typed as it was
    is left as it is (None): the draft then differs only where the form changed."""
    errors: dict[str, str] = {}
    after = _after(timer, form, lang, errors)
    remind_at = _remind(timer, form, lang, errors)
    roles = tuple(r for r in NOTIFIABLE if r in {str(v) for v in form.getlist("notify")})
    notify = None if set(roles) == set(timer.notify) else roles
    if errors:
        return None, errors
    return TimerChange(after, remind_at, notify), {}


def _after(timer: TimerDef, form: FormData, lang: str, errors: dict[str, str]) -> str | None:
    text = str(form.get("amount", "")).strip()
    unit = str(form.get("unit", ""))
    if not has_length(timer) or not text:
        return None
    if not text.isdigit() or not 1 <= int(text) <= MAX_AMOUNT:
        errors["amount"] = translate(lang, "timer.bad_amount")
        return None
    if unit not in UNITS:
        errors["unit"] = translate(lang, "timer.bad_unit")
        return None
    after = f"{int(text)} {unit.replace('_', ' ')}"
    current = timer.after.duration
    if (
        timer.after.by is None
        and current is not None
        and (current.amount, current.unit)
        == (
            int(text),
            unit,
        )
    ):
        return None
    return after


def _remind(timer: TimerDef, form: FormData, lang: str, errors: dict[str, str]) -> float | None:
    text = str(form.get("remind", "")).strip().rstrip("%").strip()
    if not text:
        return None
    try:
        percent = float(text)
    except ValueError:
        percent = -1.0
    if not 1 <= percent <= 99:
        errors["remind"] = translate(lang, "timer.bad_remind")
        return None
    share = round(percent / 100, 4)
    if timer.remind_at is not None and abs(timer.remind_at - share) < 1e-9:
        return None
    return share
