"""import-attendance FILE --as USER [--dry-run] and eligibility --period P [...]."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import pandas as pd

from core.clock import utcnow
from core.config import Settings
from core.dto import SYSTEM_ACTOR
from core.errors import NotFoundError, PermissionDeniedError
from core.exports import write_csv
from core.rules.attendance_layout import parse_mapping_text
from core.services.attendance import batches as batch_service
from core.services.attendance import eligibility as eligibility_service
from core.services.attendance import imports as attendance_service
from portal.cli.common import acting_user, session_factory_for, write_bytes

ELIGIBILITY_FIELDS = (
    "trainee_id",
    "full_name",
    "department",
    "sessions",
    "attended",
    "percentage",
    "eligible",
    "threshold",
    "sessions_needed",
    "leave_excluded",
    "condoned",
    "condonation_reason",
)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add this module's commands."""
    p = subparsers.add_parser(
        "import-attendance",
        help="import an attendance CSV/XLSX (all or nothing)",
        description="Columns: trainee_id, session_date (YYYY-MM-DD), session, status "
        "(present/late/absent/excused, P/L/A/E, leave); optional department, check_in_time, remarks. "
        "Prints 'inserted=N updated=N unchanged=N'; on a refused file prints one 'row N: message' per error "
        "and exits 1 with nothing written.",
    )
    p.add_argument("file", type=Path)
    p.add_argument(
        "--as", dest="as_user", required=True, metavar="USERNAME", help="the acting user (admin or supervisor)"
    )
    p.add_argument("--dry-run", action="store_true", help="check and count only; write nothing")
    p.add_argument("--sheet", help="worksheet of an .xlsx file (default: the first)")
    p.add_argument(
        "--date-order",
        choices=("DMY", "MDY", "YMD"),
        type=str.upper,
        help="how to read dates such as 03/04/2025 (default: the date_order setting, DMY)",
    )
    p.add_argument(
        "--map",
        dest="column_map",
        metavar="'COLUMN=FIELD,...'",
        help="which file column is which field, e.g. 'Student ID=trainee_id,Date=session_date'",
    )
    p.add_argument("--mapping", metavar="NAME", help="a saved column mapping (the attendance_mappings setting)")
    p.add_argument("--errors-out", type=Path, metavar="FILE.csv", help="write the refused rows with their reasons here")
    p.set_defaults(handler=cmd_import_attendance)

    p = subparsers.add_parser(
        "undo-import",
        help="undo an attendance import batch (same rules as the page)",
        description="Removes the rows the batch inserted and restores the rows it updated. Refused (exit 1, "
        "nothing changed) when the batch was already undone, a later batch or correction changed its rows, "
        "or a supervisor names someone else's batch.",
    )
    p.add_argument("batch_id", type=int, metavar="BATCH_ID")
    p.add_argument(
        "--as", dest="as_user", required=True, metavar="USERNAME", help="the acting user (admin or supervisor)"
    )
    p.set_defaults(handler=cmd_undo_import)

    p = subparsers.add_parser(
        "eligibility",
        help="exam eligibility per active trainee for a period (CSV or JSON on stdout)",
        description="P is YYYY-MM, YYYY-Qn, YYYY or YYYY-MM-DD..YYYY-MM-DD (inclusive).",
    )
    p.add_argument("--period", required=True, metavar="P")
    p.add_argument("--threshold", type=str, help="attendance %% needed, 0..100 (default: the admin setting)")
    p.add_argument("--department", metavar="NAME", help="only trainees of this department")
    p.add_argument("--year", type=int, metavar="N", help="only trainees now in training year N")
    p.add_argument("--cohort", metavar="NAME", help="only trainees of this intake cohort")
    p.add_argument("--format", choices=("csv", "json"), default="csv")
    p.set_defaults(handler=cmd_eligibility)


def cmd_import_attendance(args: argparse.Namespace, settings: Settings) -> int:
    if not args.file.is_file():
        print(f"error: no such file: {args.file}", file=sys.stderr)
        return 1
    try:
        mapping = parse_mapping_text(args.column_map) if args.column_map else None
    except ValueError as exc:
        print(f"error: --map: {exc}", file=sys.stderr)
        return 2
    content = args.file.read_bytes()
    options = attendance_service.ImportOptions(
        sheet=args.sheet, mapping=mapping, mapping_name=args.mapping, date_order=args.date_order
    )
    factory = session_factory_for(settings)
    with factory() as session:
        actor = acting_user(session, args.as_user)
        run = attendance_service.preview_attendance_import if args.dry_run else attendance_service.import_attendance
        report = run(session, actor, content=content, file_name=args.file.name, now=utcnow(), options=options)
        if args.dry_run:
            session.rollback()  # a dry run writes nothing, not even its audit event
        else:
            session.commit()
    if args.errors_out is not None and not report.accepted:
        args.errors_out.write_bytes(report.bad_rows_csv or attendance_service.problems_csv(report))
        print(f"refused rows written to {args.errors_out}", file=sys.stderr)
    if not report.accepted:
        for line in report.problem_lines:
            print(line)
        print(
            f"error: {args.file.name} was refused ({len(report.problem_lines)} problem(s)); nothing was written",
            file=sys.stderr,
        )
        return 1
    if report.previous_batch is not None:
        print(
            f"warning: this file was already imported as {batch_service.describe_batch(report.previous_batch)}",
            file=sys.stderr,
        )
    if report.mapping and any(name != column for name, column in report.mapping):
        pairs = ", ".join(f"{column}={name}" for name, column in report.mapping)
        wide = f"; {len(report.wide_sessions)} session columns" if report.wide_sessions else ""
        print(f"columns: {pairs}{wide}", file=sys.stderr)
    if args.dry_run:
        for change in report.changes:
            old = change.old_status or "(new)"
            line = f"  {change.trainee} {change.session_date:%Y-%m-%d} {change.session}: {old} -> {change.new_status}"
            print(line, file=sys.stderr)
        if report.changes_total > len(report.changes):
            print(f"  ... and {report.changes_total - len(report.changes):,} more", file=sys.stderr)
    for warning in report.warnings:  # rows dated on a holiday or term break: imported, but said
        print(f"warning: {warning}", file=sys.stderr)
    print(f"inserted={report.inserted} updated={report.updated} unchanged={report.unchanged}")
    return 0


def cmd_undo_import(args: argparse.Namespace, settings: Settings) -> int:
    factory = session_factory_for(settings)
    with factory() as session:
        actor = acting_user(session, args.as_user)
        try:
            outcome = batch_service.undo_import_batch(session, actor, batch_id=args.batch_id, now=utcnow())
        except (NotFoundError, PermissionDeniedError) as exc:
            session.rollback()
            print(f"error: {exc}", file=sys.stderr)
            return 1
        session.commit()  # a refused undo is audited too
    if not outcome.undone:
        print(f"error: {outcome.message}", file=sys.stderr)
        return 1
    print(outcome.message)
    return 0


def cmd_eligibility(args: argparse.Namespace, settings: Settings) -> int:
    with session_factory_for(settings)() as session:
        department_id = eligibility_service.resolve_department_id(session, args.department)
        table = eligibility_service.list_eligibility(
            session,
            SYSTEM_ACTOR,
            period=args.period,
            threshold=args.threshold,
            department_id=department_id,
            training_year=args.year,
            cohort=args.cohort,
        )
        session.rollback()
    rows = [
        {
            "trainee_id": str(r["trainee_id"]),
            "full_name": str(r["full_name"]),
            "department": "" if pd.isna(r["department"]) else str(r["department"]),
            "sessions": int(r["sessions"]),
            "attended": int(r["attended"]),
            "percentage": float(r["percentage"]),
            "eligible": bool(r["eligible"]),
            "threshold": float(r["threshold"]),
            "sessions_needed": None if pd.isna(r["sessions_needed"]) else int(r["sessions_needed"]),
            "leave_excluded": int(r["leave_excluded"]),
            "condoned": bool(r["condoned"]),
            "condonation_reason": str(r["condonation_reason"]),
            "leave_policy": str(r["leave_policy"]),
        }
        for r in table.astype({"sessions_needed": object}).to_dict("records")
    ]
    if args.format == "json":
        json.dump(rows, sys.stdout, indent=1, ensure_ascii=False)
        sys.stdout.write("\n")
        return 0
    if rows:  # the policy is the same on every row: stated once, beside the CSV
        print(f"leave policy: {rows[0]['leave_policy']}", file=sys.stderr)
    content = write_csv(
        ELIGIBILITY_FIELDS,
        (
            [
                row["trainee_id"],
                row["full_name"],
                row["department"],
                row["sessions"],
                row["attended"],
                f"{row['percentage']:.2f}",
                "yes" if row["eligible"] else "no",
                f"{row['threshold']:.2f}",
                "" if row["sessions_needed"] is None else row["sessions_needed"],
                row["leave_excluded"],
                "yes" if row["condoned"] else "no",
                row["condonation_reason"],
            ]
            for row in rows
        ),
    )
    write_bytes(content)
    return 0
