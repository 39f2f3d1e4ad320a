"""The attendance file contract (DESIGN.md §4.1): column-wise checks with `row N:` messages. Pure.

Every check works on whole columns (pandas over pyarrow strings), so a million-row file is
validated without a Python loop per row. Nothing here touches the database: the service passes
in the trainees and departments it loaded.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from core.rules.attendance_files import ROW, RawSheet

REQUIRED_COLUMNS = ("trainee_id", "session_date", "session", "status")
OPTIONAL_COLUMNS = ("department", "check_in_time", "remarks")
STATUSES = ("present", "late", "absent", "excused")
STATUS_ALIASES = {
    "present": "present", "p": "present",
    "late": "late", "l": "late",
    "absent": "absent", "a": "absent",
    "excused": "excused", "e": "excused", "leave": "excused",
}
STATUS_HELP = "present, late, absent or excused (also P, L, A, E; leave counts as excused)"
MAX_SESSION_LENGTH = 40
MAX_REMARKS_LENGTH = 2000
SHOWN_LENGTH = 40
EARLIEST_DATE = pd.Timestamp("1900-01-01")
CLEAN_COLUMNS = ("row", "trainee_id", "session_date", "session", "department_id", "status", "check_in_time", "remarks")


@dataclass(frozen=True)
class AttendanceValidation:
    """The outcome of checking a whole file: clean rows only when there is no error at all."""

    rows: pd.DataFrame
    errors: tuple[str, ...]
    bad_rows: pd.DataFrame
    missing_columns: tuple[str, ...]
    rows_total: int
    columns: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.errors and not self.missing_columns

    @property
    def compared_columns(self) -> tuple[str, ...]:
        """Stored columns an upload may change: optional columns only when the file has them."""
        optional = {"department": "department_id", "check_in_time": "check_in_time", "remarks": "remarks"}
        return ("status", *(optional[c] for c in OPTIONAL_COLUMNS if c in self.columns))


def compute_missing_columns(columns: Iterable[str]) -> tuple[str, ...]:
    """Required columns that the header lacks, in contract order."""
    present = set(columns)
    return tuple(c for c in REQUIRED_COLUMNS if c not in present)


def compute_missing_columns_message(missing: Iterable[str]) -> str:
    """The one line that names missing columns (the header is row 1)."""
    return "row 1: missing required column(s): " + ", ".join(missing)


def normalise_status(values: pd.Series) -> pd.Series:
    """Canonical status per cell (present/late/absent/excused), NaN where not recognised."""
    return values.str.strip().str.lower().map(STATUS_ALIASES)


def normalise_session(values: pd.Series) -> pd.Series:
    """Trim and collapse blanks; the usual slots AM/PM in capitals so 'am' and 'AM' are one key."""
    collapsed = values.str.strip().str.replace(r"\s+", " ", regex=True)
    upper = collapsed.str.upper()
    return collapsed.where(~upper.isin(["AM", "PM"]), upper)


def build_trainee_directory(trainees: Iterable[tuple[int, str, int | None, int | None]]) -> pd.DataFrame:
    """(id, registration_number, department_id, supervisor_id) -> lookup by upper-case registration."""
    frame = pd.DataFrame(list(trainees), columns=["trainee_id", "registration", "department_id", "supervisor_id"])
    frame["key"] = frame["registration"].astype("str").str.strip().str.upper()
    frame = frame.drop_duplicates("key").set_index("key")
    return frame.astype({"trainee_id": "int64", "department_id": "Int64", "supervisor_id": "Int64"})


def shown(values: pd.Series) -> pd.Series:
    """Cell values quoted for a message, long ones cut short."""
    cut = values.str.slice(0, SHOWN_LENGTH)
    return "'" + cut.where(values.str.len() <= SHOWN_LENGTH, cut + "…") + "'"


class _Problems:
    """Collects (row, order, message) column-wise and formats them sorted by row."""

    def __init__(self, rows: pd.Series) -> None:
        self.rows = rows
        self.parts: list[pd.DataFrame] = []

    def add(self, mask: pd.Series | np.ndarray, message: str | pd.Series, order: int) -> None:
        mask = np.asarray(mask, dtype=bool)
        if not mask.any():
            return
        text = message[mask] if isinstance(message, pd.Series) else message
        self.parts.append(pd.DataFrame({"row": self.rows[mask].to_numpy(), "order": order, "message": text}))

    def frame(self) -> pd.DataFrame:
        if not self.parts:
            return pd.DataFrame({"row": pd.Series(dtype="int64"), "order": pd.Series(dtype="int64"),
                                 "message": pd.Series(dtype="str")})
        return pd.concat(self.parts, ignore_index=True).sort_values(["row", "order"], kind="stable")


def validate_attendance(
    raw: RawSheet,
    *,
    directory: pd.DataFrame,
    departments: Mapping[str, int],
    today: date,
    supervisor_id: int | None = None,
) -> AttendanceValidation:
    """Check every row of the file; errors are `row N: message`, sorted by row.

    `departments` maps lower-case names to ids; `supervisor_id` limits trainees to that supervisor's.
    """
    frame = raw.frame
    problems = _Problems(frame[ROW])
    structural = dict(raw.structural_errors)
    usable = ~frame[ROW].isin(list(structural)).to_numpy()
    if structural:
        problems.add(~usable, frame[ROW].map(structural).astype("str"), 0)
    formula = _check_formulas(frame, raw.columns, usable, problems)
    ok = usable & ~formula
    out = pd.DataFrame({"row": frame[ROW].to_numpy()})
    key_ok = np.ones(len(frame), dtype=bool)
    if "trainee_id" in raw.columns:
        key_ok &= _check_trainee(frame, ok, directory, supervisor_id, out, problems)
    if "session_date" in raw.columns:
        key_ok &= _check_date(frame, ok, today, out, problems)
    if "session" in raw.columns:
        key_ok &= _check_session(frame, ok, out, problems)
    if "status" in raw.columns:
        _check_status(frame, ok, out, problems)
    _check_department(frame, raw.columns, ok, departments, out, problems)
    _check_check_in(frame, raw.columns, ok, out, problems)
    _check_remarks(frame, raw.columns, ok, out, problems)
    missing = compute_missing_columns(raw.columns)
    if not missing:
        _check_duplicates(out, ok & key_ok, problems)
    return _result(raw, out, problems.frame(), missing)


def _check_formulas(frame: pd.DataFrame, columns: tuple[str, ...], usable: np.ndarray, problems: _Problems) -> np.ndarray:
    any_formula = np.zeros(len(frame), dtype=bool)
    for order, name in enumerate(columns, start=1):
        mask = usable & frame[name].str.startswith("=").to_numpy(dtype=bool)
        problems.add(mask, f"{name} holds a formula (" + shown(frame[name]) + "); type the value itself", order)
        any_formula |= mask
    return any_formula


def _check_trainee(frame: pd.DataFrame, ok: np.ndarray, directory: pd.DataFrame, supervisor_id: int | None,
                   out: pd.DataFrame, problems: _Problems) -> np.ndarray:
    values = frame["trainee_id"]
    empty = ok & (values == "").to_numpy()
    problems.add(empty, "trainee_id is empty", 10)
    position = directory.index.get_indexer(values.str.upper())
    found = position >= 0
    safe = np.where(found, position, 0)
    if supervisor_id is not None and len(directory):
        found &= (directory["supervisor_id"].to_numpy(dtype="float64", na_value=np.nan)[safe] == supervisor_id)
        message = "trainee_id " + shown(values) + " is not one of your trainees"
    else:
        message = "unknown trainee_id " + shown(values)
    if not len(directory):
        found = np.zeros(len(frame), dtype=bool)
    problems.add(ok & ~empty & ~found, message, 11)
    ids = directory["trainee_id"].to_numpy()[safe] if len(directory) else np.zeros(len(frame), dtype="int64")
    departments = directory["department_id"].to_numpy(dtype="float64", na_value=np.nan)[safe] if len(directory) \
        else np.full(len(frame), np.nan)
    out["trainee_id"] = np.where(found, ids, -1)
    out["home_department_id"] = departments
    return found


def _check_date(frame: pd.DataFrame, ok: np.ndarray, today: date, out: pd.DataFrame, problems: _Problems) -> np.ndarray:
    values = frame["session_date"]
    empty = ok & (values == "").to_numpy()
    problems.add(empty, "session_date is empty", 20)
    shaped = values.str.fullmatch(r"\d{4}-\d{2}-\d{2}").to_numpy(dtype=bool)
    problems.add(ok & ~empty & ~shaped, "session_date " + shown(values) + " is not a date in YYYY-MM-DD form", 21)
    parsed = pd.to_datetime(values.where(shaped), format="%Y-%m-%d", errors="coerce")
    real = parsed.notna().to_numpy()
    problems.add(ok & shaped & ~real, "session_date " + shown(values) + " is not a real date", 22)
    future = real & (parsed > pd.Timestamp(today)).to_numpy()
    problems.add(ok & future, "session_date " + values + " is in the future", 23)
    ancient = real & (parsed < EARLIEST_DATE).to_numpy()
    problems.add(ok & ancient, "session_date " + values + " is before 1900", 24)
    out["session_date"] = parsed.astype("datetime64[s]").to_numpy()
    return real & ~future & ~ancient


def _check_session(frame: pd.DataFrame, ok: np.ndarray, out: pd.DataFrame, problems: _Problems) -> np.ndarray:
    values = normalise_session(frame["session"])
    empty = (values == "").to_numpy()
    problems.add(ok & empty, "session is empty", 30)
    long = (values.str.len() > MAX_SESSION_LENGTH).to_numpy()
    problems.add(ok & long, f"session is longer than {MAX_SESSION_LENGTH} characters", 31)
    out["session"] = values.to_numpy()
    return ~empty & ~long


def _check_status(frame: pd.DataFrame, ok: np.ndarray, out: pd.DataFrame, problems: _Problems) -> None:
    values = frame["status"]
    status = normalise_status(values)
    empty = (values == "").to_numpy()
    problems.add(ok & empty, "status is empty", 40)
    problems.add(ok & ~empty & status.isna().to_numpy(), "status " + shown(values) + f" is not {STATUS_HELP}", 41)
    out["status"] = status.to_numpy()


def _check_department(frame: pd.DataFrame, columns: tuple[str, ...], ok: np.ndarray, departments: Mapping[str, int],
                      out: pd.DataFrame, problems: _Problems) -> None:
    home = out["home_department_id"] if "home_department_id" in out else pd.Series(np.nan, index=out.index)
    if "department" not in columns:
        out["department_id"] = home.astype("Int64")
        return
    values = frame["department"]
    given = (values != "").to_numpy()
    ids = values.str.casefold().map({k.casefold(): v for k, v in departments.items()})
    problems.add(ok & given & ids.isna().to_numpy(), "unknown department " + shown(values), 50)
    out["department_id"] = ids.where(given, home.to_numpy()).astype("Float64").astype("Int64")


def _check_check_in(frame: pd.DataFrame, columns: tuple[str, ...], ok: np.ndarray, out: pd.DataFrame,
                    problems: _Problems) -> None:
    if "check_in_time" not in columns:
        out["check_in_time"] = pd.Series(pd.NaT, index=out.index, dtype="datetime64[us]")
        return
    values = frame["check_in_time"]
    given = (values != "").to_numpy()
    stamps = pd.to_datetime(values.where(given), format="ISO8601", errors="coerce", utc=True)
    stamps = stamps.dt.tz_localize(None).astype("datetime64[us]")
    clock = values.str.fullmatch(r"\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?").to_numpy(dtype=bool)
    if clock.any() and "session_date" in out:
        seconds = values.where(clock).str.count(":") == 2
        offsets = pd.to_timedelta(values.where(clock).where(seconds, values + ":00"), errors="coerce")
        day = pd.Series(out["session_date"].to_numpy(), index=out.index).astype("datetime64[us]")
        stamps = stamps.where(~clock, day + offsets)
    bad = given & stamps.isna().to_numpy()
    problems.add(ok & bad, "check_in_time " + shown(values) + " is not an ISO 8601 time (e.g. 2026-11-03T08:05 or 08:05)", 60)
    out["check_in_time"] = stamps.to_numpy()


def _check_remarks(frame: pd.DataFrame, columns: tuple[str, ...], ok: np.ndarray, out: pd.DataFrame,
                   problems: _Problems) -> None:
    if "remarks" not in columns:
        out["remarks"] = pd.Series(None, index=out.index, dtype="object")
        return
    values = frame["remarks"]
    problems.add(ok & (values.str.len() > MAX_REMARKS_LENGTH).to_numpy(),
                 f"remarks is longer than {MAX_REMARKS_LENGTH} characters", 70)
    out["remarks"] = values.where(values != "", None).to_numpy()


def _check_duplicates(out: pd.DataFrame, valid_key: np.ndarray, problems: _Problems) -> None:
    keys = out.loc[valid_key, ["trainee_id", "session_date", "session", "row"]]
    if keys.empty:
        return
    group = keys.groupby(["trainee_id", "session_date", "session"], sort=False)["row"]
    first = group.transform("first")
    duplicate = (keys["row"] != first).to_numpy()
    if not duplicate.any():
        return
    mask = np.zeros(len(out), dtype=bool)
    mask[np.flatnonzero(valid_key)[duplicate]] = True
    message = pd.Series("", index=out.index, dtype="str")
    message[mask] = "duplicate of row " + first[duplicate].astype("str").to_numpy()
    problems.add(mask, message, 90)


def _result(raw: RawSheet, out: pd.DataFrame, found: pd.DataFrame, missing: tuple[str, ...]) -> AttendanceValidation:
    errors = list(raw.header_errors)
    if len(found):
        errors += ("row " + found["row"].astype("str") + ": " + found["message"].astype("str")).tolist()
    bad_rows = _bad_rows(raw, found)
    if errors or missing:
        rows = pd.DataFrame(columns=list(CLEAN_COLUMNS))
    else:
        rows = out[list(CLEAN_COLUMNS)].reset_index(drop=True)
    return AttendanceValidation(rows, tuple(errors), bad_rows, missing, len(raw.frame), raw.columns)


def _bad_rows(raw: RawSheet, found: pd.DataFrame) -> pd.DataFrame:
    columns = ["row", *raw.columns, "reason"]
    if found.empty:
        return pd.DataFrame(columns=columns)
    reasons = found.groupby("row", sort=True)["message"].agg("; ".join)
    bad = raw.frame[raw.frame[ROW].isin(reasons.index)].rename(columns={ROW: "row"})
    bad = bad.assign(reason=bad["row"].map(reasons).to_numpy())
    return bad[columns].reset_index(drop=True)
