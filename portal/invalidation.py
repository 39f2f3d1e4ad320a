"""Which cached reads each kind of write makes stale: one reviewed table.

A page names the kind of write it performs (`Write`); the action seam (`portal.actions`) clears
the loader domains listed here after the transaction commits. Every loader domain lives in
`portal.loaders`; a test checks that every write and every domain appears here.

Why each row reads the way it does:
- every write that audits clears `audit` (the audit log and its action list);
- every write that notifies someone clears `notifications` (the inbox and its badge);
- logbook, attendance and user writes change dashboard figures and scopes, so they clear `dashboards`;
- a job run from the web may write snapshots, reports, notifications and settings-driven schedules.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from portal import loaders


class Write(StrEnum):
    """The kinds of user writes, named by what they change."""

    LOGBOOK_ENTRY = "logbook entry"  # a trainee saves, submits, resubmits or deletes an entry
    LOGBOOK_DECISION = "logbook decision"  # approve, return or reject (one or many)
    ATTENDANCE_IMPORT = "attendance import"  # a file imported, or an import undone
    ELIGIBILITY_SNAPSHOT = "eligibility snapshot"
    RESULTS = "results"  # scores, publish/freeze, change requests, new assessments
    DOCUMENTS = "documents"  # document requests, decisions, transcripts
    USERS = "users"  # users, departments, supervisors, active flags, bulk user imports
    SETTINGS = "settings"  # runtime settings (threshold, categories, schedules, retention…)
    NOTIFICATIONS_READ = "notifications read"
    ACCOUNT = "account"  # a user's own password
    JOB_RUN = "job run"  # a job started from System or Reports
    REPORT = "report"  # a report generated into the archive
    SIGN_IN = "sign in"  # sign-in and sign-out events
    TRAINING = "training"  # logbook requirements, training years and cohorts, promotions (issue 17)
    LEAVE = "leave"  # leave requests and decisions, condonations (eligibility and roll-ups change)
    CALENDAR = "calendar"  # holidays, term breaks and department weekdays (the missing-attendance monitor)


STALE: dict[Write, frozenset[str]] = {
    Write.LOGBOOK_ENTRY: frozenset({"logbook", "notifications", "dashboards", "training", "audit"}),
    Write.LOGBOOK_DECISION: frozenset({"logbook", "notifications", "dashboards", "training", "audit"}),
    Write.ATTENDANCE_IMPORT: frozenset({"attendance", "dashboards", "results", "audit"}),
    Write.ELIGIBILITY_SNAPSHOT: frozenset({"attendance", "results", "audit"}),
    # The trainee home shows results; weighted totals are read with progress.
    Write.RESULTS: frozenset({"results", "notifications", "audit", "dashboards", "training"}),
    Write.DOCUMENTS: frozenset({"documents", "notifications", "audit"}),
    Write.USERS: frozenset({"users", "logbook", "attendance", "results", "dashboards", "training", "audit"}),
    Write.SETTINGS: frozenset({"settings", "dashboards", "attendance", "operations", "training", "audit"}),
    Write.NOTIFICATIONS_READ: frozenset({"notifications"}),
    Write.ACCOUNT: frozenset({"audit"}),
    Write.JOB_RUN: frozenset(
        {
            "operations",
            "reports",
            "notifications",
            "attendance",
            "logbook",
            "dashboards",
            "settings",
            "training",
            "audit",
        }
    ),
    Write.REPORT: frozenset({"reports", "audit"}),
    Write.SIGN_IN: frozenset({"audit"}),
    Write.TRAINING: frozenset({"training", "users", "dashboards", "audit"}),
    Write.LEAVE: frozenset({"leave", "attendance", "dashboards", "results", "notifications", "audit"}),
    Write.CALENDAR: frozenset({"leave", "attendance", "audit"}),
}


def stale_domains(writes: Write | Iterable[Write]) -> frozenset[str]:
    """The loader domains that `writes` make stale."""
    kinds = (writes,) if isinstance(writes, Write) else tuple(writes)
    return frozenset().union(*(STALE[kind] for kind in kinds))


def invalidate(writes: Write | Iterable[Write]) -> frozenset[str]:
    """Clear every loader domain that `writes` make stale; returns the domains cleared."""
    domains = stale_domains(writes)
    for name in sorted(domains):
        loaders.DOMAINS[name].clear()
    return domains
