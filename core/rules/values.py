"""The portal's closed value sets, each spelled once, as a StrEnum.

A member equals its string (`Role.ADMIN == "admin"`, `f"{Role.ADMIN}"` is `admin`), so stored
rows, comparisons, JSON and query parameters need no conversion. The models build their check
constraints from these enums (`core.models.base.check_in`), in member order, which is the order
the migrations list the values in: adding a member needs a migration that widens the constraint
(tests/integration/test_migrations.py compares the migrated database with each enum).
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """What a user is (users.role)."""

    ADMIN = "admin"
    SUPERVISOR = "supervisor"
    LEADERSHIP = "leadership"
    TRAINEE = "trainee"


class EntryStatus(StrEnum):
    """Where a logbook entry is in its state machine (logbook_entries.status)."""

    DRAFT = "draft"
    PENDING = "pending"
    APPROVED = "approved"
    RETURNED = "returned"
    REJECTED = "rejected"


class ResultState(StrEnum):
    """A result moves draft -> published -> frozen, never back (results.state)."""

    DRAFT = "draft"
    PUBLISHED = "published"
    FROZEN = "frozen"


class ResultAction(StrEnum):
    """What one result_history row records."""

    ENTERED = "entered"
    EDITED = "edited"
    PUBLISHED = "published"
    FROZEN = "frozen"
    CHANGED = "changed"


class ChangeRequestStatus(StrEnum):
    """A request to change a published score (change_requests.status)."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class DocumentKind(StrEnum):
    """What a trainee may ask for (document_requests.kind)."""

    TRANSCRIPT = "transcript"
    BONAFIDE = "bonafide"
    NOC = "noc"
    OTHER = "other"


class DocumentStatus(StrEnum):
    """pending -> approved -> completed, or pending -> rejected (document_requests.status)."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    COMPLETED = "completed"


class AttendanceStatus(StrEnum):
    """One session's attendance (attendance_records.status)."""

    PRESENT = "present"
    LATE = "late"
    ABSENT = "absent"
    EXCUSED = "excused"


class ImportBatchState(StrEnum):
    """An attendance import, until it is undone (import_batches.state)."""

    IMPORTED = "imported"
    UNDONE = "undone"


class ImportBatchKind(StrEnum):
    """What wrote an import batch (import_batches.kind): a file, or an admin's correction of one record."""

    IMPORT = "import"
    CORRECTION = "correction"


class JobRunStatus(StrEnum):
    """The outcome of one job execution (job_runs.status)."""

    RUNNING = "running"
    SUCCESS = "success"
    FAILED = "failed"
    SKIPPED = "skipped"
    PARTIAL = "partial"  # some of its work failed (send_outbox: some e-mails not accepted); counts say how many


class JobTrigger(StrEnum):
    """What started a job run (job_runs.trigger)."""

    SCHEDULE = "schedule"
    MANUAL = "manual"
    CLI = "cli"
    # A failed beat of the sidecar's own heartbeat, which runs outside the job table.
    SCHEDULER = "scheduler"


class SchedulerRole(StrEnum):
    """Who recorded a heartbeat (scheduler_heartbeats.role): a sidecar, or a run outside one."""

    LEADER = "leader"
    STANDBY = "standby"
    MANUAL = "manual"


class ReportKind(StrEnum):
    """The reports the archive holds (report_runs.kind)."""

    LEADERSHIP_PACK = "leadership_pack"
    LOGBOOK_SUMMARY = "logbook_summary"
    ELIGIBILITY_LIST = "eligibility_list"
    PORTFOLIO = "portfolio"  # an annual-review portfolio (issue 17)


class NotificationKind(StrEnum):
    """Why a notification was sent (notifications.kind)."""

    LOGBOOK_SUBMITTED = "logbook_submitted"
    LOGBOOK_APPROVED = "logbook_approved"
    LOGBOOK_RETURNED = "logbook_returned"
    LOGBOOK_REJECTED = "logbook_rejected"
    REMINDER_DIGEST = "reminder_digest"
    REMINDER_ESCALATION = "reminder_escalation"
    RESULT_PUBLISHED = "result_published"
    RESULT_FROZEN = "result_frozen"
    RESULT_CHANGED = "result_changed"
    CHANGE_REQUEST = "change_request"
    CHANGE_REQUEST_DECIDED = "change_request_decided"
    DOCUMENT_REQUESTED = "document_requested"
    DOCUMENT_REQUEST_NEW = "document_request_new"
    DOCUMENT_APPROVED = "document_approved"
    DOCUMENT_REJECTED = "document_rejected"
    DOCUMENT_COMPLETED = "document_completed"
    TRANSCRIPT_GENERATED = "transcript_generated"
    AT_RISK_WARNING = "at_risk_warning"
    JOB_FAILED = "job_failed"
    LEAVE_REQUESTED = "leave_requested"  # to the admins: a leave request waits for a decision
    LEAVE_DECIDED = "leave_decided"  # to the trainee: their leave was approved or rejected
    CONDONATION_REQUESTED = "condonation_requested"  # to the other admins: a second admin must decide
    CONDONATION_DECIDED = "condonation_decided"  # to the requesting admin and the trainee
    ATTENDANCE_ALERT_DIGEST = "attendance_alert_digest"  # supervisors and admins: trainees who crossed a level
    MISSING_ATTENDANCE_DIGEST = "missing_attendance_digest"  # admins: departments with session days without records


class LeaveStatus(StrEnum):
    """A leave request (leave_requests.status): pending -> approved | rejected."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class LeavePolicy(StrEnum):
    """What approved leave of a type does to eligibility (the `leave_types` setting)."""

    EXCLUDED = "excluded"  # its unattended sessions leave the denominator
    EXCUSED = "excused"  # its sessions count as excused: in `sessions`, not in `attended`


class CondonationStatus(StrEnum):
    """An exemption for a period (condonations.status), decided by a second admin."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class CalendarDayKind(StrEnum):
    """A day (or run of days) without sessions on the programme calendar (calendar_closures.kind)."""

    HOLIDAY = "holiday"
    TERM_BREAK = "term_break"


class AlertLevel(StrEnum):
    """How far below the threshold a trainee is (attendance_alert_states.level), in rising order."""

    WARNING = "warning"  # below threshold + margin
    AT_RISK = "at_risk"  # below the threshold
    OUT_OF_REACH = "out_of_reach"  # cannot reach it with the sessions left in the period


class OutboxStatus(StrEnum):
    """Where a queued e-mail is (outbox_messages.status)."""

    QUEUED = "queued"  # waiting for its first or next attempt
    SENT = "sent"  # the SMTP server accepted it
    FAILED = "failed"  # gave up after the attempt limit


class EmailEvent(StrEnum):
    """The events a user may also receive by e-mail (email_preferences.event), in the order My account lists them."""

    DECISIONS = "decisions"  # decisions on my entries and change requests
    WAITING = "waiting"  # entries waiting for me: the daily digest and escalations
    RESULTS = "results"  # results published, frozen or changed
    DOCUMENTS = "documents"  # a document ready (or decided)
    AT_RISK = "at_risk"  # at-risk warnings (attendance below the threshold)
    REPORTS = "reports"  # the weekly leadership pack (attached)
