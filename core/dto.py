"""Frozen data-transfer objects returned by services (safe to cache and pickle)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING

from core.rules.access import PROGRAMME_WIDE_ROLES
from core.rules.values import ReportKind, Role

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class Scope:
    """What limits a viewer's reads; pass it to cached loaders as an argument."""

    role: str
    user_id: int | None

    @property
    def sees_everything(self) -> bool:
        return self.role in PROGRAMME_WIDE_ROLES


@dataclass(frozen=True)
class UserSummary:
    """A user as the UI and services see it; also the acting user passed to services."""

    id: int | None
    username: str
    full_name: str
    role: Role
    department_id: int | None = None
    department_name: str | None = None
    supervisor_id: int | None = None
    supervisor_name: str | None = None
    registration_number: str | None = None
    email: str | None = None
    is_active: bool = True
    has_password: bool = True
    locked_until: datetime | None = None

    @property
    def scope(self) -> Scope:
        return Scope(role=self.role, user_id=self.id)


# The operator of the command line and the scheduler: trusted because they already hold the
# database credentials. Only `portal.cli` and `jobs` construct actors with it.
SYSTEM_ACTOR = UserSummary(id=None, username="system", full_name="System", role=Role.ADMIN)


@dataclass(frozen=True)
class ImportUsersReport:
    created: int
    departments_created: int
    usernames: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class NotificationItem:
    id: int
    created_at: datetime
    kind: str
    title: str
    body: str | None
    link: str | None
    read: bool


@dataclass(frozen=True)
class SystemStatus:
    database_ok: bool
    database_url: str
    current_revision: str | None
    head_revision: str | None
    message: str

    @property
    def at_head(self) -> bool:
        return self.current_revision is not None and self.current_revision == self.head_revision


@dataclass(frozen=True)
class LogbookEntryItem:
    """One logbook entry as lists, the queue and the detail view show it."""

    id: int
    trainee_id: int
    trainee_name: str
    department_name: str | None
    title: str
    case_date: date
    category: str
    description: str
    reflection: str | None
    status: str
    submitted_at: datetime | None
    decided_at: datetime | None
    verified_by_name: str | None
    feedback: str | None
    age_days: int = 0
    decided_by_name: str | None = None  # who approved, returned or rejected it (verified_by_name: approvals only)


@dataclass(frozen=True)
class LogbookHistoryItem:
    at: datetime
    from_status: str | None
    to_status: str
    actor_name: str | None
    comment: str | None


@dataclass(frozen=True)
class ApprovalQueue:
    """The pending entries in the viewer's scope (oldest first) and how long they have waited."""

    items: tuple[LogbookEntryItem, ...]
    total: int
    over_7_days: int
    over_14_days: int
    oldest_days: int
    listed: int = 0  # how many pending entries the age filter leaves (the list shows at most `items`)


@dataclass(frozen=True)
class PendingAgeing:
    """Entries waiting for a decision now, by whole days since submission (core.rules.logbook.AGE_BOUNDS)."""

    buckets: tuple[int, ...]  # one count per AGE_BUCKET_LABELS entry
    over_7_days: int
    over_14_days: int
    oldest_submitted_at: datetime | None

    @property
    def total(self) -> int:
        return sum(self.buckets)


@dataclass(frozen=True)
class LogbookFigures:
    """Submitted entries by status (drafts never count) and the figures defined on them (DESIGN.md §4.3)."""

    pending: int = 0
    approved: int = 0
    returned: int = 0
    rejected: int = 0

    @property
    def submitted(self) -> int:
        return self.pending + self.approved + self.returned + self.rejected

    @property
    def decided(self) -> int:
        return self.approved + self.returned + self.rejected

    @property
    def verified(self) -> int:
        """Verified means approved."""
        return self.approved

    @property
    def unverified(self) -> int:
        """Submitted with no verifier: pending + returned + rejected."""
        return self.pending + self.returned + self.rejected


@dataclass(frozen=True)
class BulkOutcome:
    """What happened to one entry of a bulk approval."""

    entry_id: int
    title: str
    trainee_name: str
    outcome: str


@dataclass(frozen=True)
class JobRunSummary:
    """One recorded job run (reports, scheduler, CLI and the /system page read this)."""

    id: int | None
    job_id: str
    trigger: str
    status: str
    started_at: datetime
    finished_at: datetime | None = None
    scheduled_for: datetime | None = None
    dry_run: bool = False
    counts: dict[str, object] | None = None
    error: str | None = None
    triggered_by: str | None = None


@dataclass(frozen=True)
class HeartbeatItem:
    """A scheduler sidecar's last sign of life."""

    instance: str
    role: str
    beat_at: datetime
    started_at: datetime
    timezone: str
    next_runs: dict[str, str | None]


@dataclass(frozen=True)
class ReportRunItem:
    """One archived report file, as the archive lists it."""

    id: int
    kind: str
    title: str
    file_format: str
    file_name: str
    status: str
    created_at: datetime
    created_by: str
    params: dict[str, object]
    size_bytes: int
    checksum: str | None
    error: str | None = None


@dataclass(frozen=True)
class ReportFile:
    """A report's bytes with the name and type a download needs."""

    run_id: int
    file_name: str
    mime: str
    content: bytes


@dataclass(frozen=True)
class AssessmentSummary:
    """An assessment with its group's weight status and result counts per state."""

    id: int
    title: str
    department_id: int
    department_name: str
    assessment_date: date
    max_score: float
    pass_mark: float
    weight: float
    group_name: str
    eligibility_period: str | None
    draft: int = 0
    published: int = 0
    frozen: int = 0
    group_total: float = 0.0
    group_complete: bool = False

    @property
    def label(self) -> str:
        return f"{self.title} · {self.department_name} · {self.assessment_date.isoformat()}"


@dataclass(frozen=True)
class ScoreImportReport:
    """What a score upload or grid save did."""

    assessment_id: int
    created: int
    updated: int
    unchanged: int


@dataclass(frozen=True)
class ChangeRequestItem:
    id: int
    result_id: int
    assessment_title: str
    trainee_name: str
    registration_number: str | None
    old_score: float
    new_score: float
    reason: str
    status: str
    requested_by_id: int | None
    requested_by: str
    requested_at: datetime
    decided_by: str | None = None
    decided_at: datetime | None = None
    decision_comment: str | None = None


@dataclass(frozen=True)
class IssuedDocument:
    """A generated PDF and the verification link printed on it as a QR code."""

    file_name: str
    content: bytes
    verify_url: str
    expires_at: datetime


@dataclass(frozen=True)
class VerificationOutcome:
    """What the public verify page may show: valid with who/when/summary, or nothing."""

    valid: bool
    issued_to: str | None = None
    issued_at: datetime | None = None
    summary: str | None = None


@dataclass(frozen=True)
class DocumentRequestItem:
    id: int
    trainee_id: int
    trainee_name: str
    registration_number: str | None
    kind: str
    kind_label: str
    details: str | None
    status: str
    requested_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    decision_comment: str | None
    completed_at: datetime | None
    file_name: str | None


@dataclass(frozen=True)
class DashboardFilters:
    """What a dashboard shows: whole months from `start` to `end` (first days), optional narrowing.

    Scope is never part of the filters: services apply the viewer's scope on top of them, so a
    supervisor who edits the URL to another department or supervisor only narrows their own view.
    """

    start: date
    end: date
    department_id: int | None = None
    supervisor_id: int | None = None
    # Issue 17: the trainee's current training year and intake cohort (None = every year / cohort).
    training_year: int | None = None
    cohort: str | None = None

    @property
    def months(self) -> int:
        return (self.end.year - self.start.year) * 12 + self.end.month - self.start.month + 1


@dataclass(frozen=True)
class KpiCard:
    """One overview figure with the same figure for the previous period."""

    key: str
    label: str
    value: float | None
    previous: float | None
    unit: str  # "count" or "percent"
    help: str
    comparison: str  # what `previous` is, e.g. "vs 2026-06 – 2026-08", or the change in words
    base: int | None = None  # what a percentage divides by (e.g. 1,052 submitted); None for counts
    base_label: str = ""  # what the base counts, e.g. "submitted", "sessions", "active trainees"
    small_base: bool = False  # the base is below the small-base setting: show the card muted

    @property
    def base_text(self) -> str:
        """ "of 1,052 submitted" for a percentage, "" for a count."""
        return "" if self.base is None else f"of {self.base:,} {self.base_label}"

    @property
    def change(self) -> float | None:
        if self.value is None or self.previous is None:
            return None
        return round(self.value - self.previous, 2)


@dataclass(frozen=True)
class DashboardOverview:
    period_label: str
    previous_label: str
    cards: tuple[KpiCard, ...]


@dataclass(frozen=True)
class DashboardOptions:
    """The departments and supervisors a viewer may filter by (already scoped)."""

    departments: tuple[tuple[int, str], ...]
    supervisors: tuple[tuple[int, str], ...]


@dataclass(frozen=True)
class PooledCompliance:
    """Compliance pooled over every group in view: Σapproved / Σsubmitted, never a mean of the groups' percentages."""

    submitted: int
    verified: int  # approved
    compliance_pct: float | None  # None when nothing was submitted
    decided: int = 0
    reviewed_pct: float | None = None  # decided / submitted


@dataclass(frozen=True, eq=False)
class ComplianceBreakdown:
    """Compliance per department or per supervisor over a dashboard period, and the pooled total.

    `rows` holds one row per group, with the columns named in core.services.dashboards.analytics (the group
    column `by`, then COL_SUBMITTED, COL_VERIFIED, COL_COMPLIANCE). The pooled total is `total`, never a row.
    """

    by: str
    rows: pd.DataFrame
    total: PooledCompliance
    period_label: str


@dataclass(frozen=True, eq=False)
class AtRiskList:
    """Active trainees below the attendance threshold in the current quarter so far.

    `rows` has the columns named in core.services.dashboards.trainees (AT_RISK_COLUMNS).
    """

    rows: pd.DataFrame
    threshold: float
    period_label: str  # the quarter, e.g. "2026-Q4"


@dataclass(frozen=True)
class TurnaroundSummary:
    """Median whole days from submission to decision, over `decided` decisions."""

    median_days: float | None
    decided: int
    histogram: tuple[tuple[int, int], ...] = ()  # (whole days, decisions)


@dataclass(frozen=True)
class ImportBatchSummary:
    """One attendance import batch as the history lists it."""

    id: int
    file_name: str
    sha256: str
    imported_by: str | None
    imported_at: datetime
    state: str
    rows_total: int
    inserted: int
    updated: int
    unchanged: int
    undone_at: datetime | None = None
    undone_by: str | None = None


@dataclass(frozen=True)
class RowError:
    """One problem in an uploaded file: the file's row number (the header is row 1) and what is wrong."""

    row: int
    message: str

    @property
    def text(self) -> str:
        """The problem as one line for people and logs: `row N: message`."""
        return f"row {self.row}: {self.message}"


@dataclass(frozen=True)
class AttendanceRecordView:
    """One stored attendance record, for a single-record correction."""

    id: int
    trainee: str
    session_date: date
    session: str
    status: str
    remarks: str | None
    batch_id: int | None


@dataclass(frozen=True)
class AttendanceChangePreview:
    """One row an import would write: a new row (old_status None) or a changed one (old -> new)."""

    trainee: str
    session_date: date
    session: str
    old_status: str | None
    new_status: str


@dataclass(frozen=True)
class AttendanceImportReport:
    """What checking (and possibly importing) an attendance file found and did."""

    file_name: str
    sha256: str
    rows_total: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    row_errors: tuple[RowError, ...] = ()  # every bad row, in row order
    missing_columns: tuple[str, ...] = ()
    refusal: str | None = None  # the whole file was refused (size, type, encoding, empty)
    imported: bool = False
    batch_id: int | None = None
    previous_batch: ImportBatchSummary | None = None  # the same file (sha256) imported before
    bad_rows_csv: bytes = b""  # the offending rows with a `reason` column
    file_columns: tuple[str, ...] = ()  # the file's header cells, as written
    mapping: tuple[tuple[str, str], ...] = ()  # (field, file column) as used
    wide_sessions: tuple[str, ...] = ()  # the session columns of a wide file (one column per session)
    date_order: str = ""
    changes: tuple[AttendanceChangePreview, ...] = ()  # the first rows an import would insert or update
    changes_total: int = 0
    changes_csv: bytes = b""  # every row an import would insert or update
    warnings: tuple[str, ...] = ()  # rows dated on a holiday or term break (programme calendar): shown, not refused

    @property
    def accepted(self) -> bool:
        return self.refusal is None and not self.row_errors and not self.missing_columns

    @property
    def errors(self) -> tuple[str, ...]:
        """The bad rows as text, one line each (`row N: message`)."""
        return tuple(error.text for error in self.row_errors)

    @property
    def problems(self) -> tuple[RowError, ...]:
        """Every row-level reason for refusal (missing columns count as row 1, the header); empty when the
        whole file was refused (see `refusal`)."""
        if self.refusal:
            return ()
        missing = (
            (RowError(1, "missing required column(s): " + ", ".join(self.missing_columns)),)
            if self.missing_columns
            else ()
        )
        return missing + self.row_errors

    @property
    def problem_lines(self) -> tuple[str, ...]:
        """Every reason for refusal, one line each (`row N: message`)."""
        if self.refusal:
            return (self.refusal,)
        return tuple(problem.text for problem in self.problems)


@dataclass(frozen=True)
class UndoReport:
    """The outcome of undoing an import batch (not undone when denied, already undone, or a
    later batch changed its rows; `message` says which)."""

    batch_id: int
    undone: bool
    deleted: int = 0
    restored: int = 0
    message: str = ""


@dataclass(frozen=True)
class SettingsUpdate:
    """New values for runtime settings by key: the text typed in the settings form, or typed values from a script.

    Settings whose value is unchanged (the same text as shown, or the same value once validated) are left alone.
    """

    values: Mapping[str, object]


@dataclass(frozen=True)
class SettingChange:
    """One setting an update changed, with its value before and after (validated and normalised)."""

    key: str
    old: object
    new: object


@dataclass(frozen=True)
class ReportRequest:
    """What to generate into the report archive, for the requesting viewer's scope.

    `start`/`end` (whole months) are for the leadership pack; `period` (YYYY-MM, YYYY-Qn, YYYY or a
    date range) for the logbook summary and the eligibility list; `file_format` for the logbook summary.
    """

    kind: ReportKind
    department_id: int | None = None
    start: date | None = None
    end: date | None = None
    period: str | None = None
    file_format: str = "pdf"
    # Issue 17 (logbook summary and eligibility list): the trainees' current training year and cohort.
    training_year: int | None = None
    cohort: str | None = None


@dataclass(frozen=True)
class ReturnedEntry:
    """A returned logbook entry on the trainee's home: it needs their action (edit and resubmit)."""

    id: int
    title: str
    case_date: date
    feedback: str | None
    link: str  # /logbook?entry=ID


@dataclass(frozen=True)
class PublishedResultItem:
    """One published or frozen result as the trainee sees it; `result` carries the attendance gate."""

    assessment: str
    assessment_date: date | None
    score: float | None
    max_score: float
    percentage: float | None
    grade: str
    result: str  # "pass", "fail", or e.g. "pass (ineligible: 64.04 % attended in 2026-Q4)"
    state: str


@dataclass(frozen=True)
class TraineeHome:
    """A trainee's own dashboard: attendance this period, their logbook by status, their published results."""

    name: str
    period_label: str  # the current quarter, e.g. 2026-Q4
    period_text: str  # e.g. "1 Oct – 31 Dec 2026"
    period_open: bool
    sessions: int
    attended: int
    percentage: float
    threshold: float
    eligible: bool
    sessions_needed: int | None
    sessions_left: int | None  # estimated sessions still to come this period
    forecast: str  # core.rules.eligibility.compute_sessions_forecast's text
    out_of_reach: bool
    logbook: tuple[tuple[str, int], ...]  # (status, count): draft, pending, returned, approved, rejected
    returned: tuple[ReturnedEntry, ...]
    results: tuple[PublishedResultItem, ...]


@dataclass(frozen=True)
class LeaveItem:
    """One leave request as lists show it (issue 16); the document's bytes are fetched separately."""

    id: int
    trainee_id: int
    trainee_name: str
    registration: str
    department: str
    leave_type: str
    policy: str  # "excluded" or "excused" under the current setting ("" for a type no longer listed)
    start: date
    end: date
    reason: str
    status: str
    requested_by: str
    requested_at: datetime
    decided_by: str
    decided_at: datetime | None
    decision_comment: str
    attachment_name: str

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


@dataclass(frozen=True)
class CondonationItem:
    """An exemption from the attendance threshold for a period, and its second-admin decision."""

    id: int
    trainee_id: int
    trainee_name: str
    registration: str
    period: str
    reason: str
    status: str
    requested_by_id: int | None
    requested_by: str
    requested_at: datetime
    decided_by: str
    decided_at: datetime | None
    decision_comment: str


@dataclass(frozen=True)
class ClosureItem:
    """A holiday or term break on the programme calendar (department "": every department)."""

    id: int
    name: str
    kind: str
    start: date
    end: date
    department_id: int | None
    department: str


@dataclass(frozen=True)
class DepartmentWeekdaysItem:
    department_id: int
    department: str
    weekdays: tuple[int, ...]  # ISO numbers, 1 = Monday
    configured: bool  # False: the default, Monday to Friday


@dataclass(frozen=True)
class MissingAttendanceGrid:
    """Departments × weeks: expected session days (weekdays minus closures, up to yesterday) and those with records.

    `cells` columns: department_id, department, week (Monday), expected, covered, missing, coverage_pct,
    missing_dates (comma-separated YYYY-MM-DD).
    """

    period_label: str
    start: date
    end: date  # the last day counted (yesterday for a running period)
    cells: pd.DataFrame


# Training progress (issue 17) -------------------------------------------------------------------


@dataclass(frozen=True)
class RequirementItem:
    """A logbook target: minimum approved entries of a category (optionally one title) in a training year."""

    id: int
    training_year: int
    category: str
    title: str | None
    minimum: int
    department_id: int | None
    department_name: str  # "All departments" for a programme-wide target
    label: str


@dataclass(frozen=True)
class TargetItem:
    """One target against the approved entries counted for it in the training year."""

    label: str
    category: str
    title: str | None
    minimum: int
    approved: int
    still_needed: int
    share: float  # 0..1
    under_share: bool


@dataclass(frozen=True)
class TraineeProgress:
    """A trainee's logbook progress in a training year, with the verdict ('on track' or 'behind: ...')."""

    trainee_id: int
    trainee_name: str
    registration_number: str | None
    department_name: str
    supervisor_name: str
    training_year: int | None
    cohort: str | None
    window_start: date
    window_end: date
    elapsed_share: float
    targets: tuple[TargetItem, ...]
    behind: bool
    summary: str


@dataclass(frozen=True)
class PromotionRow:
    """One trainee in a promotion preview: where they are, where they would go, or why they stay."""

    trainee_id: int
    trainee_name: str
    registration_number: str | None
    department_name: str
    cohort: str | None
    from_year: int | None
    to_year: int | None
    note: str  # "" when promoted, else why not


@dataclass(frozen=True)
class PromotionReport:
    promoted: int
    skipped: int
    effective_on: date


@dataclass(frozen=True)
class TrainingYearChangeItem:
    trainee_name: str
    from_year: int | None
    to_year: int | None
    from_cohort: str | None
    to_cohort: str | None
    effective_on: date
    reason: str
    actor_name: str
    at: datetime


@dataclass(frozen=True)
class PortfolioFile:
    """A generated annual-review portfolio: the PDF, its name and the archive row it was stored as."""

    file_name: str
    content: bytes
    trainee_id: int
    training_year: int
    summary: str
    report_id: int | None = None
