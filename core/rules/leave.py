"""Leave, condonation, alert levels and the programme calendar (issue 16): pure rules.

Leave types are the runtime setting `leave_types` ("medical=excluded, other=excused"): approved leave
of an *excluded* type removes the trainee's unattended sessions on its dates from the denominator
(`sessions`), leave of an *excused* type counts them as excused (in `sessions`, not in `attended`,
which is what an absence already does). Sessions attended on a leave day still count as attended.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from core.rules.values import AlertLevel, LeavePolicy

DEFAULT_LEAVE_TYPES = "medical=excluded, official duty=excluded, maternity=excluded, other=excused"
MAX_LEAVE_DAYS = 366
ALERT_ORDER: tuple[AlertLevel, ...] = (AlertLevel.WARNING, AlertLevel.AT_RISK, AlertLevel.OUT_OF_REACH)
ALERT_LABELS: dict[AlertLevel, str] = {
    AlertLevel.WARNING: "warning",
    AlertLevel.AT_RISK: "at risk",
    AlertLevel.OUT_OF_REACH: "out of reach",
}
WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
DEFAULT_WEEKDAYS: tuple[int, ...] = (1, 2, 3, 4, 5)
ELIGIBILITY_PERIODS = ("month", "quarter", "year")

# What a supporting document may be: sniffed from its first bytes, never from its name.
_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
)


def compute_leave_types(value: Any) -> dict[str, LeavePolicy]:
    """Parse `leave_types` ("medical=excluded, other=excused") into {type: policy}, in the given order.

    Raises:
        ValueError: a part is not TYPE=POLICY, a policy is unknown, a type repeats, or nothing is listed.
    """
    if isinstance(value, Mapping):
        value = ", ".join(f"{k}={v}" for k, v in value.items())
    types: dict[str, LeavePolicy] = {}
    for part in (p for p in str(value or "").split(",") if p.strip()):
        name, equals, policy = part.rpartition("=")
        name, policy = " ".join(name.split()).lower(), policy.strip().lower()
        if not equals or not name:
            raise ValueError(f"'{part.strip()}' is not TYPE=excluded or TYPE=excused")
        if policy not in {p.value for p in LeavePolicy}:
            raise ValueError(f"'{policy}' is not a leave policy (excluded or excused)")
        if len(name) > 40:
            raise ValueError(f"'{name}' is longer than 40 characters")
        if name in types:
            raise ValueError(f"'{name}' is given twice")
        types[name] = LeavePolicy(policy)
    if not types:
        raise ValueError("must list at least one leave type")
    return types


def leave_types_text(value: Any) -> str:
    """The setting's normal form: "medical=excluded, other=excused"."""
    return ", ".join(f"{name}={policy}" for name, policy in compute_leave_types(value).items())


def excluded_types(types: Mapping[str, LeavePolicy]) -> tuple[str, ...]:
    """The leave types whose sessions leave the denominator."""
    return tuple(name for name, policy in types.items() if policy is LeavePolicy.EXCLUDED)


def compute_policy_text(types: Mapping[str, LeavePolicy]) -> str:
    """The policy as every eligibility output states it."""
    excluded = [n for n, p in types.items() if p is LeavePolicy.EXCLUDED]
    excused = [n for n, p in types.items() if p is LeavePolicy.EXCUSED]
    parts = []
    if excluded:
        parts.append(f"leave excluded from sessions: {', '.join(excluded)}")
    if excused:
        parts.append(f"leave counted as excused: {', '.join(excused)}")
    return "; ".join(parts)


def check_leave(*, leave_type: str, start: date, end: date, reason: str, types: Mapping[str, LeavePolicy]) -> str:
    """The stored spelling of the leave type.

    Raises:
        ValueError: unknown type, start after end, longer than MAX_LEAVE_DAYS, or no reason.
    """
    key = " ".join(str(leave_type or "").split()).lower()
    if key not in types:
        raise ValueError(f"Unknown leave type '{leave_type}'. Leave types: {', '.join(types)}.")
    if start > end:
        raise ValueError(f"The leave starts ({start:%Y-%m-%d}) after it ends ({end:%Y-%m-%d}).")
    if (end - start).days + 1 > MAX_LEAVE_DAYS:
        raise ValueError(f"One leave request covers at most {MAX_LEAVE_DAYS} days; split longer leave.")
    if not reason.strip():
        raise ValueError("Give a reason for the leave.")
    return key


def sniff_attachment(content: bytes, *, max_bytes: int) -> str:
    """The MIME type of a supporting document (PDF, PNG or JPEG, by its first bytes).

    Raises:
        ValueError: empty, too large, or not a PDF or image.
    """
    if not content:
        raise ValueError("The document is empty.")
    if len(content) > max_bytes:
        raise ValueError(f"The document is {len(content) / 1_048_576:.1f} MB; at most {max_bytes / 1_048_576:g} MB.")
    for signature, mime in _SIGNATURES:
        if content.startswith(signature):
            return mime
    raise ValueError("The document must be a PDF or an image (PNG or JPEG).")


def covers(start: date, end: date, period_start: date, period_end: date) -> bool:
    """A condonation for [start, end] applies to a period wholly inside it."""
    return start <= period_start and period_end <= end


# Alert levels


def compute_alert_level(
    *, sessions: int, percentage: float, threshold: float, margin: float, out_of_reach: bool, condoned: bool
) -> AlertLevel | None:
    """The level a trainee is at: out of reach, at risk (below threshold), warning (below threshold + margin), or None.

    A trainee with no sessions yet, or condoned for the period, is at no level.
    """
    if sessions <= 0 or condoned:
        return None
    if out_of_reach:
        return AlertLevel.OUT_OF_REACH
    if percentage < threshold:
        return AlertLevel.AT_RISK
    if percentage < threshold + margin:
        return AlertLevel.WARNING
    return None


def compute_alert_transition(previous: AlertLevel | None, current: AlertLevel | None) -> tuple[bool, AlertLevel | None]:
    """(announce?, level to store): a level is announced when a trainee reaches it from a lower one.

    Recovering stores the lower level silently, so falling again is announced again; staying is silent.
    """
    rank = {level: i for i, level in enumerate(ALERT_ORDER, start=1)}
    before = rank.get(previous, 0) if previous is not None else 0
    now = rank.get(current, 0) if current is not None else 0
    return now > before, current


# Calendar


def compute_weekdays(value: Iterable[int] | str) -> tuple[int, ...]:
    """ISO weekday numbers (1 = Monday) from "1,2,3" or an iterable, sorted and unique.

    Raises:
        ValueError: a value is not 1..7, or none is given.
    """
    items = [p for p in value.split(",") if p.strip()] if isinstance(value, str) else list(value)
    days: set[int] = set()
    for item in items:
        try:
            day = int(str(item).strip())
        except ValueError:
            raise ValueError(f"'{item}' is not a weekday number (1 = Monday … 7 = Sunday)") from None
        if not 1 <= day <= 7:
            raise ValueError(f"'{item}' is not a weekday number (1 = Monday … 7 = Sunday)")
        days.add(day)
    if not days:
        raise ValueError("A department holds sessions on at least one weekday.")
    return tuple(sorted(days))


def weekdays_text(days: Iterable[int]) -> str:
    """ "Mon, Tue, Wed" for (1, 2, 3)."""
    return ", ".join(WEEKDAY_NAMES[d - 1] for d in days)


@dataclass(frozen=True)
class Closure:
    """A closed run of days (holiday or term break); department None: every department."""

    name: str
    start: date
    end: date
    department_id: int | None
    kind: str = "holiday"


def closure_on(day: date, closures: Iterable[Closure], department_id: int | None) -> Closure | None:
    """The closure (programme-wide or this department's) that covers `day`, if any."""
    for closure in closures:
        if closure.start <= day <= closure.end and closure.department_id in (None, department_id):
            return closure
    return None


def compute_expected_days(
    start: date, end: date, *, weekdays: Iterable[int], closures: Iterable[Closure], department_id: int | None
) -> list[date]:
    """The session days a department should have records for: its weekdays in [start, end], minus closures."""
    wanted = set(weekdays)
    shut = list(closures)
    days: list[date] = []
    day = start
    while day <= end:
        if day.isoweekday() in wanted and closure_on(day, shut, department_id) is None:
            days.append(day)
        day += timedelta(days=1)
    return days


def week_start(day: date) -> date:
    """The Monday of the ISO week containing `day`."""
    return day - timedelta(days=day.weekday())
