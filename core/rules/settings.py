"""Runtime settings: their defaults and validation (pure)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class SettingSpec:
    default: Any
    description: str
    validate: Callable[[Any], Any]


def _number_between(low: float, high: float) -> Callable[[Any], float]:
    def check(value: Any) -> float:
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise ValueError(f"must be a number between {low:g} and {high:g}") from None
        if not low <= number <= high or number != number:
            raise ValueError(f"must be between {low:g} and {high:g}")
        return round(number, 2)

    return check


def _whole_number_between(low: int, high: int) -> Callable[[Any], int]:
    def check(value: Any) -> int:
        try:
            number = int(str(value))
        except (TypeError, ValueError):
            raise ValueError(f"must be a whole number between {low} and {high}") from None
        if not low <= number <= high:
            raise ValueError(f"must be between {low} and {high}")
        return number

    return check


def _non_empty_labels(value: Any) -> list[str]:
    if isinstance(value, str):
        value = value.split(",")
    labels = [str(v).strip() for v in value if str(v).strip()]
    if not labels:
        raise ValueError("must list at least one category")
    if len(set(label.lower() for label in labels)) != len(labels):
        raise ValueError("must not repeat a category")
    return labels


AUDIT_RETENTION_FLOOR_DAYS = 2557  # 7 years: audit events younger than this are never deleted (README "Security model")


def _audit_retention(value: Any) -> int:
    try:
        number = int(str(value))
    except (TypeError, ValueError):
        raise ValueError(f"must be a whole number of days between {AUDIT_RETENTION_FLOOR_DAYS} and 36500") from None
    if number > 36500:
        raise ValueError(f"must be between {AUDIT_RETENTION_FLOOR_DAYS} and 36500")
    if number < AUDIT_RETENTION_FLOOR_DAYS:
        raise ValueError(
            f"must be at least {AUDIT_RETENTION_FLOOR_DAYS} days (7 years): the audit trail is kept for 7 years"
        )
    return number


SETTING_SPECS: dict[str, SettingSpec] = {
    "attendance_threshold": SettingSpec(
        75.0, "Attendance % needed for exam eligibility (0–100)", _number_between(0, 100)
    ),
    "dashboard_small_base": SettingSpec(
        20,
        "Dashboard cards whose percentage rests on fewer items are shown muted (small base)",
        _whole_number_between(0, 100000),
    ),
    "logbook_categories": SettingSpec(
        ["case", "procedure", "teaching", "other"],
        "Categories a trainee can choose for a logbook entry",
        _non_empty_labels,
    ),
    "upload_max_mb": SettingSpec(50, "Largest attendance upload, in MB", _whole_number_between(1, 500)),
    "retention_notifications_days": SettingSpec(90, "Days to keep notifications", _whole_number_between(1, 3650)),
    "retention_report_files_days": SettingSpec(
        365, "Days to keep generated report files", _whole_number_between(1, 3650)
    ),
    "retention_job_runs_days": SettingSpec(180, "Days to keep job-run history", _whole_number_between(1, 3650)),
    "retention_audit_days": SettingSpec(
        AUDIT_RETENTION_FLOOR_DAYS, "Days to keep audit events (at least 7 years)", _audit_retention
    ),
    "signin_max_failures": SettingSpec(
        5, "Wrong passwords that lock an account, within the sign-in window", _whole_number_between(3, 50)
    ),
    "signin_window_minutes": SettingSpec(
        15,
        "Sign-in window in minutes (failures counted over it; also the lockout time)",
        _whole_number_between(1, 1440),
    ),
    "verify_attempts_per_minute": SettingSpec(
        30, "Document checks one client may make per minute on /verify", _whole_number_between(1, 10000)
    ),
    "verify_token_hours": SettingSpec(
        48, "Hours a transcript verification link stays valid", _whole_number_between(1, 8760)
    ),
}


def _date_order(value: Any) -> str:
    text = str(value or "").strip().upper()
    if text not in ("DMY", "MDY", "YMD"):
        raise ValueError("must be DMY, MDY or YMD")
    return text


def _status_vocabulary(value: Any) -> str:
    from core.rules.values import AttendanceStatus

    statuses = {status.value for status in AttendanceStatus}
    words: dict[str, str] = {}
    for part in (p for p in str(value or "").split(",") if p.strip()):
        word, equals, status = part.rpartition("=")
        word, status = " ".join(word.split()), status.strip().lower()
        if not equals or not word:
            raise ValueError(f"'{part.strip()}' is not WORD=STATUS")
        if status not in statuses:
            raise ValueError(f"'{status}' is not a status (present, late, absent, excused)")
        if word.casefold() in (w.casefold() for w in words):
            raise ValueError(f"'{word}' is given twice")
        words[word] = status
    return ", ".join(f"{word}={status}" for word, status in words.items())


def _saved_mappings(value: Any) -> str:
    from core.rules.attendance_layout import parse_mapping_text

    named: dict[str, str] = {}
    for part in (p for p in str(value or "").split(";") if p.strip()):
        name, colon, mapping = part.partition(":")
        name = " ".join(name.split())
        if not colon or not name:
            raise ValueError(f"'{part.strip()}' is not NAME: COLUMN=FIELD, ...")
        try:
            pairs = parse_mapping_text(mapping)
        except ValueError as exc:
            raise ValueError(f"mapping '{name}': {exc}") from None
        named[name] = ", ".join(f"{column}={field}" for column, field in pairs.items())
    return "; ".join(f"{name}: {mapping}" for name, mapping in named.items())


SETTING_SPECS["date_order"] = SettingSpec(
    "DMY", "Order of day and month in attendance dates such as 03/04/2025: DMY, MDY or YMD", _date_order
)
SETTING_SPECS["status_vocabulary"] = SettingSpec(
    "",
    "More attendance status words, e.g. 'Tardy=late, On leave=excused, Sick=excused, Unexcused=absent'",
    _status_vocabulary,
)
SETTING_SPECS["attendance_mappings"] = SettingSpec(
    "",
    "Saved attendance column mappings, e.g. 'google: Student ID=trainee_id, Date=session_date; moodle: ...'",
    _saved_mappings,
)


SETTING_SPECS["training_years"] = SettingSpec(
    5, "Training years in the programme (trainees are in year 1..N)", _whole_number_between(1, 10)
)
SETTING_SPECS["training_year_start_month"] = SettingSpec(
    8,
    "Month the training year starts in (1-12, on the 1st); promotions usually take effect then",
    _whole_number_between(1, 12),
)
SETTING_SPECS["progress_checkpoint_percent"] = SettingSpec(
    50.0,
    "Point of the training year (%) from which a trainee can be 'behind' on logbook targets",
    _number_between(0, 100),
)
SETTING_SPECS["progress_behind_share_percent"] = SettingSpec(
    50.0,
    "A trainee is 'behind' when any logbook target is under this share (%) after the checkpoint",
    _number_between(0, 100),
)


def compute_setting_value(key: str, value: Any) -> Any:
    """Validate and normalise a setting value. Raises KeyError or ValueError."""
    return SETTING_SPECS[key].validate(value)


def _schedule_overrides(value: Any) -> str:
    from core.rules.schedule import compute_schedule_override_text

    return compute_schedule_override_text(value)


SETTING_SPECS["job_schedule"] = SettingSpec(
    "",
    "Job schedule overrides, e.g. 'daily_reminders=0 9 * * mon-fri; weekly_cleanup=every 12h' "
    "(crontab in the programme timezone or every N s/m/h/d; empty = defaults; the scheduler applies it within a minute)",
    _schedule_overrides,
)


def _leave_types(value: Any) -> str:
    from core.rules.leave import leave_types_text

    return leave_types_text(value)


def _eligibility_period(value: Any) -> str:
    from core.rules.leave import ELIGIBILITY_PERIODS

    text = str(value or "").strip().lower()
    if text not in ELIGIBILITY_PERIODS:
        raise ValueError(f"must be one of {', '.join(ELIGIBILITY_PERIODS)}")
    return text


SETTING_SPECS["leave_types"] = SettingSpec(
    "medical=excluded, official duty=excluded, maternity=excluded, other=excused",
    "Leave types and their policy: TYPE=excluded (its sessions leave the denominator) or TYPE=excused",
    _leave_types,
)
SETTING_SPECS["leave_attachment_max_mb"] = SettingSpec(
    5, "Largest supporting document for a leave request (PDF or image), in MB", _whole_number_between(1, 50)
)
SETTING_SPECS["eligibility_period"] = SettingSpec(
    "quarter", "The period the attendance alerts watch: month, quarter or year", _eligibility_period
)
SETTING_SPECS["attendance_alert_margin"] = SettingSpec(
    5.0, "Attendance alerts: 'warning' below the threshold plus this many points", _number_between(0, 100)
)
