"""Authorization matrix: every logbook action × every role × (own trainee, other supervisor's trainee).

"own" is the acting supervisor's trainee (for a trainee: their own entry); "other" belongs to a
trainee of another supervisor. A refusal must change nothing and write no audit event.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.dto import UserSummary
from core.errors import NotFoundError, PermissionDeniedError
from core.models import AuditEvent, LogbookEntry
from core.services.logbook import approvals
from core.services.logbook import entries as logbook
from tests.factories import NOW, actor, make_department, make_entry, make_user

FORM = {
    "title": "Chest drain",
    "case_date": date(2026, 11, 10),
    "category": "procedure",
    "description": "Seldinger technique, position confirmed.",
}

Action = Callable[[Session, UserSummary, int], object]


def _in_queue(s: Session, a: UserSummary, entry_id: int) -> object:
    if entry_id not in {i.id for i in approvals.get_approval_queue(s, a, now=NOW).items}:
        raise LookupError
    return None


def _in_list(s: Session, a: UserSummary, entry_id: int) -> object:
    if entry_id not in {i.id for i in logbook.list_entries(s, a, now=NOW)}:
        raise LookupError
    return None


def _bulk(decision: str) -> Action:
    def call(s: Session, a: UserSummary, entry_id: int) -> object:
        feedback = None if decision == "approve" else "One comment for all."
        [outcome] = approvals.bulk_decide(s, a, [entry_id], decision=decision, feedback=feedback, now=NOW)
        if outcome.outcome == "not yours":
            raise LookupError
        assert outcome.outcome == approvals.PAST_TENSE[decision]
        return None

    return call


# action name -> (status the entry starts in, the call)
ACTIONS: dict[str, tuple[str, Action]] = {
    "read_entry": ("pending", lambda s, a, i: logbook.get_entry(s, a, i, now=NOW)),
    "list_entries": ("pending", _in_list),
    "queue": ("pending", _in_queue),
    "approve": ("pending", lambda s, a, i: approvals.approve_entry(s, a, i, now=NOW)),
    "return": ("pending", lambda s, a, i: approvals.return_entry(s, a, i, feedback="More detail.", now=NOW)),
    "reject": ("pending", lambda s, a, i: approvals.reject_entry(s, a, i, feedback="Duplicate.", now=NOW)),
    "bulk_approve": ("pending", _bulk("approve")),
    "bulk_return": ("pending", _bulk("return")),
    "bulk_reject": ("pending", _bulk("reject")),
    "create": ("draft", lambda s, a, i: logbook.create_entry(s, a, **FORM, now=NOW)),
    "edit_draft": ("draft", lambda s, a, i: logbook.update_entry(s, a, i, **FORM, now=NOW)),
    "submit_draft": ("draft", lambda s, a, i: logbook.submit_entry(s, a, i, now=NOW)),
    "resubmit_returned": ("returned", lambda s, a, i: logbook.update_entry(s, a, i, **FORM, submit=True, now=NOW)),
    "delete_draft": ("draft", lambda s, a, i: logbook.delete_draft(s, a, i, now=NOW)),
}

OK, DENIED, NOT_FOUND, HIDDEN = "ok", "denied", "not found", "hidden"
READ = {"admin": (OK, OK), "leadership": (OK, OK), "supervisor": (OK, NOT_FOUND), "trainee": (OK, NOT_FOUND)}
LISTED = {"admin": (OK, OK), "leadership": (OK, OK), "supervisor": (OK, HIDDEN), "trainee": (OK, HIDDEN)}
QUEUE = {"admin": (OK, OK), "leadership": (OK, OK), "supervisor": (OK, HIDDEN), "trainee": (DENIED, DENIED)}
DECIDE = {"admin": (OK, OK), "leadership": (DENIED, DENIED), "supervisor": (OK, DENIED), "trainee": (DENIED, DENIED)}
BULK = {"admin": (OK, OK), "leadership": (DENIED, DENIED), "supervisor": (OK, HIDDEN), "trainee": (DENIED, DENIED)}
OWN_ENTRY = {
    "admin": (DENIED, DENIED),
    "leadership": (DENIED, DENIED),
    "supervisor": (DENIED, DENIED),
    "trainee": (OK, NOT_FOUND),
}
CREATE = {
    "admin": (DENIED, DENIED),
    "leadership": (DENIED, DENIED),
    "supervisor": (DENIED, DENIED),
    "trainee": (OK, OK),
}
EXPECTED = {
    "read_entry": READ,
    "list_entries": LISTED,
    "queue": QUEUE,
    "approve": DECIDE,
    "return": DECIDE,
    "reject": DECIDE,
    "bulk_approve": BULK,
    "bulk_return": BULK,
    "bulk_reject": BULK,
    "create": CREATE,
    "edit_draft": OWN_ENTRY,
    "submit_draft": OWN_ENTRY,
    "resubmit_returned": OWN_ENTRY,
    "delete_draft": OWN_ENTRY,
}
WRITES = {
    "approve",
    "return",
    "reject",
    "bulk_approve",
    "bulk_return",
    "bulk_reject",
    "create",
    "edit_draft",
    "submit_draft",
    "resubmit_returned",
    "delete_draft",
}


def _outcome(call: Callable[[], object]) -> str:
    try:
        call()
    except PermissionDeniedError:
        return DENIED
    except NotFoundError:
        return NOT_FOUND
    except LookupError:
        return HIDDEN
    return OK


@pytest.mark.parametrize("whose", ["own", "other"])
@pytest.mark.parametrize("role", ["admin", "supervisor", "leadership", "trainee"])
@pytest.mark.parametrize("action", list(ACTIONS))
def test_authorization_matrix(session: Session, action: str, role: str, whose: str) -> None:
    dept = make_department(session)
    supervisor = make_user(session, "supervisor", department=dept)
    other_supervisor = make_user(session, "supervisor", department=dept)
    trainee = make_user(session, "trainee", department=dept, supervisor=supervisor)
    other_trainee = make_user(session, "trainee", department=dept, supervisor=other_supervisor)
    acting = {
        "admin": make_user(session, "admin"),
        "leadership": make_user(session, "leadership"),
        "supervisor": supervisor,
        "trainee": trainee,
    }[role]
    status, call = ACTIONS[action]
    entry = make_entry(session, trainee if whose == "own" else other_trainee, status=status)
    summary = actor(session, acting)
    events_before = session.scalar(select(func.count(AuditEvent.id)))

    result = _outcome(lambda: call(session, summary, entry.id))

    assert result == EXPECTED[action][role][0 if whose == "own" else 1]
    events_after = session.scalar(select(func.count(AuditEvent.id)))
    if result != OK:
        assert events_after == events_before
        assert session.scalar(select(LogbookEntry.status).where(LogbookEntry.id == entry.id)) == status
    elif action in WRITES:
        assert events_after == (events_before or 0) + 1


def test_a_summary_claiming_another_role_than_the_stored_one_is_refused(session: Session) -> None:
    """Services scope rows by actor.role; a summary that says admin for a supervisor must not widen scope."""
    from dataclasses import replace

    department = make_department(session)
    supervisor, other = make_user(session, "supervisor", department=department), make_user(session, "supervisor")
    entry = make_entry(
        session, make_user(session, "trainee", department=department, supervisor=other), case_date=date(2026, 11, 1)
    )
    forged = replace(actor(session, supervisor), role="admin")
    with pytest.raises(PermissionDeniedError, match="role has changed"):
        approvals.get_approval_queue(session, forged, now=NOW)
    with pytest.raises(PermissionDeniedError, match="role has changed"):
        approvals.approve_entry(session, forged, entry.id, feedback=None, now=NOW)
    assert session.get(LogbookEntry, entry.id).status == "pending"  # type: ignore[union-attr]


# Summaries × role (issue 14, scope): a stored eligibility snapshot's count and the logbook summary
# export are scoped to the viewer, and drafts stay private to their trainee, in counts too.
SNAPSHOT_COUNT = {"admin": 2, "leadership": 2, "supervisor": 1, "trainee": 1}
EXPORT_ROWS = {"admin": {"own"}, "leadership": {"own"}, "supervisor": {"own"}, "trainee": DENIED}


@pytest.mark.parametrize("role", ["admin", "supervisor", "leadership", "trainee"])
def test_summaries_are_scoped_to_the_viewer_and_never_count_drafts(session: Session, role: str) -> None:
    from decimal import Decimal

    from core.calendar import parse_period
    from core.models import EligibilitySnapshot
    from core.services.attendance.eligibility import get_snapshot_summary
    from core.services.reports.exports import logbook_summary_frame

    dept = make_department(session)
    supervisor = make_user(session, "supervisor", department=dept)
    other_supervisor = make_user(session, "supervisor", department=dept)
    trainee = make_user(session, "trainee", department=dept, supervisor=supervisor)
    other_trainee = make_user(session, "trainee", department=dept, supervisor=other_supervisor)
    for t in (trainee, other_trainee):
        session.add(
            EligibilitySnapshot(
                trainee_id=t.id,
                period="2025-07",
                period_start=date(2025, 7, 1),
                period_end=date(2025, 7, 31),
                sessions=4,
                attended=3,
                percentage=Decimal("75.00"),
                threshold=Decimal("75.00"),
                eligible=True,
                computed_at=NOW,
            )
        )
    make_entry(session, trainee, status="pending")
    make_entry(session, trainee, status="draft")
    make_entry(session, trainee, status="draft")
    make_entry(session, other_trainee, status="draft")  # a trainee with drafts only is not in the export at all
    acting = {
        "admin": make_user(session, "admin"),
        "leadership": make_user(session, "leadership"),
        "supervisor": supervisor,
        "trainee": trainee,
    }[role]
    viewer = actor(session, acting)

    summary = get_snapshot_summary(session, viewer, period="2025-07")
    assert summary is not None and summary["trainees"] == SNAPSHOT_COUNT[role]

    names = {trainee.full_name: "own", other_trainee.full_name: "other"}
    outcome = _outcome(lambda: logbook_summary_frame(session, viewer, period=parse_period("2026-11")))
    if EXPORT_ROWS[role] == DENIED:
        assert outcome == DENIED
        return
    frame = logbook_summary_frame(session, viewer, period=parse_period("2026-11"))
    assert "draft" not in frame.columns
    assert {names[n] for n in frame["trainee"] if n in names} == EXPORT_ROWS[role]
    row = frame[frame["trainee"] == trainee.full_name].iloc[0]
    assert (int(row["submitted"]), int(row["pending"])) == (1, 1)
