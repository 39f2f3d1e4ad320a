"""All ORM models; importing this package registers every table on Base.metadata."""

from core.models.attendance import (
    AttendanceChange,
    AttendanceRecord,
    EligibilitySnapshot,
    ImportBatch,
)
from core.models.attendance_alerts import AttendanceAlertState
from core.models.audit import AuditEvent
from core.models.base import Base
from core.models.files import StoredFile
from core.models.leave import Condonation, LeaveRequest
from core.models.logbook import LogbookEntry, LogbookStatusChange
from core.models.notifications import Notification
from core.models.outbox import EmailPreference, OutboxAttachment, OutboxMessage
from core.models.programme_calendar import CalendarClosure, DepartmentWeekdays
from core.models.reports import JobRun, ReportRun, SchedulerHeartbeat
from core.models.results import (
    Assessment,
    ChangeRequest,
    DocumentRequest,
    Result,
    ResultHistory,
    VerificationToken,
)
from core.models.rollups import AttendanceMonthRollup, LogbookMonthRollup, TurnaroundMonthRollup
from core.models.sessions import UserSession, VerifyAttempt
from core.models.settings import Setting
from core.models.training import LogbookRequirement, LogbookTitleRollup, TrainingYearChange
from core.models.users import Department, User

__all__ = [
    "AttendanceAlertState",
    "AttendanceChange",
    "AttendanceMonthRollup",
    "AttendanceRecord",
    "AuditEvent",
    "Base",
    "CalendarClosure",
    "Condonation",
    "Department",
    "DepartmentWeekdays",
    "EligibilitySnapshot",
    "EmailPreference",
    "ImportBatch",
    "LeaveRequest",
    "LogbookEntry",
    "LogbookMonthRollup",
    "LogbookRequirement",
    "LogbookTitleRollup",
    "LogbookStatusChange",
    "JobRun",
    "Notification",
    "OutboxAttachment",
    "OutboxMessage",
    "Assessment",
    "ChangeRequest",
    "DocumentRequest",
    "Result",
    "ResultHistory",
    "VerificationToken",
    "ReportRun",
    "SchedulerHeartbeat",
    "StoredFile",
    "Setting",
    "TrainingYearChange",
    "TurnaroundMonthRollup",
    "User",
    "UserSession",
    "VerifyAttempt",
]
