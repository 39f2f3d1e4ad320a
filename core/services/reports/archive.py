"""Reports: the archive of generated files (leadership pack, logbook summary, eligibility list).

Every generated file is kept in the database (`stored_files`, through `core.services.stored_files`)
and recorded as a ReportRun row: who, when, the parameters, the file's SHA-256. So any web replica
serves any report, a rolled-back generation leaves nothing behind, and the backups contain the
archive. The archive shows a viewer only what their scope allows:
admins everything; leadership the full-scope reports; a supervisor the reports built for them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select, true
from sqlalchemy.orm import Session

from core.clock import utcnow
from core.dto import ReportFile, ReportRunItem, UserSummary
from core.errors import NotFoundError
from core.models import Department, ReportRun, User
from core.rules.access import ADMIN, LEADERSHIP, SUPERVISOR
from core.rules.values import ReportKind
from core.services.access import authorize
from core.services.audit import record_event
from core.services.stored_files import read_file, store_file

Progress = Callable[[float, str], None]
REPORT_ROLES = (ADMIN, LEADERSHIP, SUPERVISOR)
MIME = {
    "pdf": "application/pdf",
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
KIND_TITLES = {
    ReportKind.LEADERSHIP_PACK: "Leadership pack",
    ReportKind.LOGBOOK_SUMMARY: "Logbook summary",
    ReportKind.ELIGIBILITY_LIST: "Eligibility list",
}
KIND_FORMATS = {
    ReportKind.LEADERSHIP_PACK: ("pdf",),
    ReportKind.LOGBOOK_SUMMARY: ("pdf", "csv", "xlsx"),
    ReportKind.ELIGIBILITY_LIST: ("xlsx",),
}


def scope_label(session: Session, actor: UserSummary) -> str:
    """Whose trainees a report covers, in words."""
    if actor.role == SUPERVISOR:
        return f"Trainees supervised by {actor.full_name}"
    return "All trainees"


def department_name(session: Session, department_id: int | None) -> str:
    """A department filter in words.

    Raises:
        NotFoundError: no such department.
    """
    if department_id is None:
        return "All departments"
    department = session.get(Department, department_id)
    if department is None:
        raise NotFoundError("No such department.")
    return department.name


def store_report(
    session: Session,
    actor: UserSummary,
    *,
    kind: ReportKind,
    file_format: str,
    content: bytes,
    params: dict[str, Any],
    now: datetime,
    title: str | None = None,
    job_run_id: int | None = None,
) -> ReportRunItem:
    """Keep a generated file in the archive (in the database) and record it as a ReportRun."""
    checksum = hashlib.sha256(content).hexdigest()
    run = ReportRun(
        kind=kind,
        file_format=file_format,
        title=title or KIND_TITLES.get(kind, kind),
        params=params,
        file_name="",
        size_bytes=len(content),
        checksum=checksum,
        status="ok",
        created_at=now,
        created_by_id=actor.id,
        created_by_username=actor.username,
        scope_role=actor.role,
        scope_user_id=actor.id if actor.role == SUPERVISOR else None,
        job_run_id=job_run_id,
    )
    session.add(run)
    session.flush()
    label = str(params.get("period", "")).replace("..", "_to_").replace("/", "-") or now.strftime("%Y-%m-%d")
    run.file_name = f"{kind.replace('_', '-')}-{label}-{run.id}.{file_format}"
    run.file_id = store_file(
        session,
        purpose="report",
        file_name=run.file_name,
        mime=MIME.get(file_format, "application/octet-stream"),
        content=content,
        now=now,
    )
    record_event(
        session,
        actor=actor,
        action="report_generated",
        now=now,
        entity_type="report_run",
        entity_id=run.id,
        details={
            "kind": str(kind),
            "format": file_format,
            "file": run.file_name,
            "bytes": len(content),
            "params": params,
        },
    )
    session.flush()
    return _item(run)


def list_report_runs(session: Session, actor: UserSummary, *, limit: int = 500) -> list[ReportRunItem]:
    """The archive as the viewer may see it, newest first.

    Raises:
        PermissionDeniedError: the actor's role has no reports.
    """
    authorize(session, actor, *REPORT_ROLES)
    rows = session.scalars(
        select(ReportRun)
        .where(_archive_scope(actor))
        .order_by(ReportRun.created_at.desc(), ReportRun.id.desc())
        .limit(limit)
    )
    return [_item(r) for r in rows]


def get_report_file(session: Session, actor: UserSummary, run_id: int, *, now: datetime | None = None) -> ReportFile:
    """The bytes of an archived report the viewer may see; serving them is audited (report_downloaded).

    Raises:
        PermissionDeniedError: the actor's role has no reports.
        NotFoundError: no such report in the viewer's archive, or its file is gone.
    """
    authorize(session, actor, *REPORT_ROLES)
    run = session.scalar(select(ReportRun).where(ReportRun.id == run_id, _archive_scope(actor)))
    if run is None:
        raise NotFoundError("No such report in your archive.")
    content = None if run.file_id is None else read_file(session, run.file_id)
    if content is None:
        raise NotFoundError(f"The file of report {run_id} is no longer in the archive (removed by retention?).")
    record_event(
        session,
        actor=actor,
        action="report_downloaded",
        now=now or utcnow(),
        entity_type="report_run",
        entity_id=run.id,
        details={"kind": run.kind, "file": run.file_name, "bytes": len(content)},
    )
    return ReportFile(run.id, run.file_name, MIME.get(run.file_format, "application/octet-stream"), content)


def _archive_scope(actor: UserSummary) -> ColumnElement[bool]:
    if actor.role == ADMIN:
        return true()
    if actor.role == LEADERSHIP:
        return ReportRun.scope_role.in_((ADMIN, LEADERSHIP))
    return or_(and_(ReportRun.scope_role == SUPERVISOR, ReportRun.scope_user_id == actor.id))


def _item(run: ReportRun) -> ReportRunItem:
    return ReportRunItem(
        id=run.id,
        kind=run.kind,
        title=run.title,
        file_format=run.file_format,
        file_name=run.file_name,
        status=run.status,
        created_at=run.created_at,
        created_by=run.created_by_username,
        params=dict(run.params or {}),
        size_bytes=run.size_bytes,
        checksum=run.checksum,
        error=run.error,
    )


def list_pack_recipients(session: Session) -> list[str]:
    """E-mail addresses of active leadership users (who receive the weekly pack)."""
    return list(
        session.scalars(
            select(User.email)
            .where(User.role == LEADERSHIP, User.is_active.is_(True), User.email.is_not(None))
            .order_by(User.id)
        )
    )
