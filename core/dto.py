"""Frozen data-transfer objects returned by services (safe to cache and pickle)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime


@dataclass(frozen=True)
class Scope:
    """What limits a viewer's reads; pass it to cached loaders as an argument."""

    role: str
    user_id: int | None

    @property
    def sees_everything(self) -> bool:
        return self.role in ("admin", "leadership")


@dataclass(frozen=True)
class UserSummary:
    """A user as the UI and services see it; also the acting user passed to services."""

    id: int | None
    username: str
    full_name: str
    role: str
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
SYSTEM_ACTOR = UserSummary(id=None, username="system", full_name="System", role="admin")


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


@dataclass(frozen=True)
class BulkOutcome:
    """What happened to one entry of a bulk approval."""

    entry_id: int
    title: str
    trainee_name: str
    outcome: str
