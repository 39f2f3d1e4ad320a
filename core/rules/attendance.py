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
from core.rules.attendance_layout import DATE_FORMS, DateOrder, parse_check_ins, parse_dates
from core.rules.values import AttendanceStatus

REQUIRED_COLUMNS = ("trainee_id", "session_date", "session", "status")
OPTIONAL_COLUMNS = ("department", "check_in_time", "remarks")
# Each status by its name, by its initial (P, L, A, E), and leave as excused.
STATUS_ALIASES: dict[str, AttendanceStatus] = {
    **{status.value: status for status in AttendanceStatus},
    **{status.value[0]: status for status in AttendanceStatus},
    "leave": AttendanceStatus.EXCUSED,
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
    # The same problems as `errors`, as (row, message) pairs (the header is row 1).
    row_errors: tuple[tuple[int, str], ...] = ()

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


def compute_months(session_dates: pd.Series) -> list[date]:
    """One date (the 1st) per distinct month among the dates."""
    months = np.unique(session_dates.dropna().to_numpy().astype("datetime64[M]"))
    return [pd.Timestamp(m).date() for m in months]


def normalise_status(values: pd.Series, vocabulary: Mapping[str, str] | None = None) -> pd.Series:
    """Canonical status per cell (present/late/absent/excused), NaN where not recognised.

    `vocabulary` adds words (any case) for the four statuses, e.g. {"Tardy": "late"}.
    """
    aliases: dict[str, str] = dict(STATUS_ALIASES)
    aliases.update({word.strip().casefold(): AttendanceStatus(status) for word, status in (vocabulary or {}).items()})
    return values.str.strip().str.replace(r"\s+", " ", regex=True).str.casefold().map(aliases)


def compute_status_help(vocabulary: Mapping[str, str] | None = None) -> str:
    """The accepted status words, for a refusal."""
    if not vocabulary:
        return STATUS_HELP
    extra = ", ".join(f"{word} = {status}" for word, status in vocabulary.items())
    return f"{STATUS_HELP}; also {extra}"


def normalise_session(values: pd.Series, known: Iterable[str] = ()) -> pd.Series:
    """One spelling per slot, whatever the case: AM/PM in capitals; any other label as already
    stored (`known`), else as first written in the file. Blanks are trimmed and collapsed."""
    collapsed = values.str.strip().str.replace(r"\s+", " ", regex=True)
    folded = collapsed.str.casefold()
    spelling = {label.casefold(): label for label in known}
    for label, key in zip(collapsed.tolist(), folded.tolist(), strict=True):
        spelling.setdefault(key, label)
    spelling.update({"am": "AM", "pm": "PM"})
    return folded.map(spelling).astype("str")


def compute_session_labels_to_match(raw: RawSheet) -> list[str]:
    """Lower-case session labels of the file other than AM/PM (to look up their stored spelling)."""
    if "session" not in raw.columns:
        return []
    labels = pd.Series(pd.unique(raw.frame["session"]), dtype="str").str.strip().str.replace(r"\s+", " ", regex=True)
    return sorted(set(labels.str.casefold()) - {"", "am", "pm"})


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


@dataclass(frozen=True)
class _Column:
    """A column as codes into its distinct values: checks run once per distinct value."""

    codes: np.ndarray
    uniques: pd.Series

    @classmethod
    def of(cls, values: pd.Series) -> _Column:
        codes, uniques = pd.factorize(values)
        return cls(np.asarray(codes), pd.Series(uniques, dtype="str"))

    def spread(self, per_unique: pd.Series | np.ndarray) -> np.ndarray:
        """Per-unique results broadcast back to one value per row."""
        spread: np.ndarray = np.asarray(per_unique)[self.codes]
        return spread


class _Problems:
    """Collects (row, order, message) column-wise; messages are built only for failing rows."""

    def __init__(self, frame: pd.DataFrame) -> None:
        self.frame = frame
        self.rows = frame[ROW].to_numpy()
        self.parts: list[pd.DataFrame] = []

    def add(
        self, mask: np.ndarray, order: int, prefix: str, column: str | None = None, suffix: str = "", quote: bool = True
    ) -> None:
        mask = np.asarray(mask, dtype=bool)
        if not mask.any():
            return
        text: str | pd.Series = prefix + suffix
        if column is not None:
            values = self.frame[column][mask]
            text = prefix + (shown(values) if quote else values) + suffix
        self.parts.append(pd.DataFrame({"row": self.rows[mask], "order": order, "message": text}))

    def add_messages(self, mask: np.ndarray, order: int, messages: pd.Series | np.ndarray) -> None:
        mask = np.asarray(mask, dtype=bool)
        if mask.any():
            self.parts.append(
                pd.DataFrame(
                    {"row": self.rows[mask], "order": order, "message": np.asarray(messages, dtype=object)[mask]}
                )
            )

    def result(self) -> pd.DataFrame:
        if not self.parts:
            return pd.DataFrame(
                {"row": pd.Series(dtype="int64"), "order": pd.Series(dtype="int64"), "message": pd.Series(dtype="str")}
            )
        return pd.concat(self.parts, ignore_index=True).sort_values(["row", "order"], kind="stable")


def validate_attendance(
    raw: RawSheet,
    *,
    directory: pd.DataFrame,
    departments: Mapping[str, int],
    today: date,
    supervisor_id: int | None = None,
    known_sessions: Iterable[str] = (),
    date_order: DateOrder = DateOrder.DMY,
    vocabulary: Mapping[str, str] | None = None,
) -> AttendanceValidation:
    """Check every row of the file; errors are `row N: message`, sorted by row.

    `departments` maps names to ids (matched case-insensitively); `supervisor_id` limits the
    trainees to that supervisor's own; `known_sessions` are stored session labels whose spelling
    a differently-cased label in the file takes; `date_order` reads dates such as 03/04/2025;
    `vocabulary` adds status words.
    """
    frame = raw.frame
    problems = _Problems(frame)
    columns = {name: _Column.of(frame[name]) for name in raw.columns}
    structural = dict(raw.structural_errors)
    usable = ~frame[ROW].isin(list(structural)).to_numpy()
    if structural:
        problems.add_messages(~usable, 0, frame[ROW].map(structural).astype(object).to_numpy())
    ok = usable & ~_check_formulas(columns, usable, problems)
    out = pd.DataFrame({"row": frame[ROW].to_numpy()})
    key_parts: list[np.ndarray] = []
    if "trainee_id" in columns:
        key_parts.append(_check_trainee(columns["trainee_id"], ok, directory, supervisor_id, out, problems))
    if "session_date" in columns:
        key_parts.append(_check_date(columns["session_date"], ok, today, out, problems, date_order))
    if "session" in columns:
        key_parts.append(_check_session(columns["session"], ok, out, problems, known_sessions))
    if "status" in columns:
        _check_status(columns["status"], ok, out, problems, vocabulary)
    _check_department(columns.get("department"), ok, departments, out, problems)
    _check_check_in(columns.get("check_in_time"), ok, out, problems, date_order)
    _check_remarks(frame, columns.get("remarks"), ok, out, problems)
    missing = compute_missing_columns(raw.columns)
    if not missing:
        _check_duplicates(out, key_parts, ok, problems)
    return _result(raw, out, problems.result(), missing)


def _check_formulas(columns: Mapping[str, _Column], usable: np.ndarray, problems: _Problems) -> np.ndarray:
    any_formula = np.zeros(len(usable), dtype=bool)
    for order, (name, column) in enumerate(columns.items(), start=1):
        mask = usable & column.spread(column.uniques.str.startswith("=").to_numpy(dtype=bool))
        problems.add(mask, order, f"{name} holds a formula (", name, "); type the value itself")
        any_formula |= mask
    return any_formula


def _check_trainee(
    column: _Column,
    ok: np.ndarray,
    directory: pd.DataFrame,
    supervisor_id: int | None,
    out: pd.DataFrame,
    problems: _Problems,
) -> np.ndarray:
    """Registration number -> trainee id (and home department); returns each row's key part (-1 bad)."""
    empty = ok & column.spread((column.uniques == "").to_numpy())
    problems.add(empty, 10, "trainee_id is empty")
    position = (
        directory.index.get_indexer(pd.Index(column.uniques.str.upper()))
        if len(directory)
        else np.full(len(column.uniques), -1)
    )
    found = position >= 0
    if supervisor_id is not None and len(directory):
        supervisors = directory["supervisor_id"].to_numpy(dtype="float64", na_value=np.nan)
        found &= supervisors[np.where(found, position, 0)] == supervisor_id
    if supervisor_id is not None:
        problems.add(
            ok & ~empty & ~column.spread(found), 11, "trainee_id ", "trainee_id", " is not one of your trainees"
        )
    else:
        unknown = ok & ~empty & ~column.spread(found)
        hints = _leading_zero_hints(column.uniques, found, directory)
        hinted = unknown & column.spread(hints.notna().to_numpy())
        problems.add(unknown & ~hinted, 11, "unknown trainee_id ", "trainee_id")
        if hinted.any():
            messages = np.empty(len(hinted), dtype=object)
            messages[hinted] = (
                "unknown trainee_id "
                + shown(problems.frame["trainee_id"][hinted])
                + ": did a spreadsheet drop leading zeros? '"
                + pd.Series(column.spread(hints.to_numpy(dtype=object))[hinted], dtype="str").to_numpy()
                + "' exists"
            ).to_numpy()
            problems.add_messages(hinted, 11, messages)
    ids = np.full(len(column.uniques), -1, dtype="int64")
    homes = np.full(len(column.uniques), np.nan)
    if len(directory):
        ids = np.where(found, directory["trainee_id"].to_numpy()[np.where(found, position, 0)], -1)
        homes = np.where(
            found,
            directory["department_id"].to_numpy(dtype="float64", na_value=np.nan)[np.where(found, position, 0)],
            np.nan,
        )
    out["trainee_id"] = column.spread(ids)
    out["home_department_id"] = column.spread(homes)
    return column.spread(ids)


def _leading_zero_hints(values: pd.Series, found: np.ndarray, directory: pd.DataFrame) -> pd.Series:
    """For an unknown all-digit id: the one registration number that is it with leading zeros (else None)."""
    hints = pd.Series([None] * len(values), dtype=object)
    digits = values.str.fullmatch(r"\d+").to_numpy(dtype=bool) & ~found
    if not digits.any() or not len(directory):
        return hints
    keys = pd.Series(directory["registration"].astype("str").str.strip().to_numpy(), dtype="str")
    padded = keys[keys.str.fullmatch(r"0+\d*").to_numpy(dtype=bool)]
    if padded.empty:
        return hints
    stripped = padded.str.lstrip("0")
    counts = stripped.value_counts()
    single = dict(zip(stripped[stripped.map(counts) == 1], padded[stripped.map(counts) == 1], strict=True))
    texts: list[str] = [str(v) for v in values.tolist()]
    for position in np.flatnonzero(digits).tolist():
        hint = single.get(texts[position].lstrip("0"))
        if hint is not None and hint != texts[position]:
            hints.iat[position] = hint
    return hints


def _check_date(
    column: _Column, ok: np.ndarray, today: date, out: pd.DataFrame, problems: _Problems, order: DateOrder
) -> np.ndarray:
    values = column.uniques
    empty = (values == "").to_numpy()
    shaped, parsed = parse_dates(values, order)
    real = parsed.notna().to_numpy()
    future = real & (parsed > pd.Timestamp(today)).to_numpy()
    ancient = real & (parsed < EARLIEST_DATE).to_numpy()
    form = DATE_FORMS[order]
    problems.add(ok & column.spread(empty), 20, "session_date is empty")
    problems.add(
        ok & column.spread(~empty & ~shaped),
        21,
        "session_date ",
        "session_date",
        f" is not a date: write it as {form} (the date order is {order.value}), YYYY-MM-DD or 4-Mar-2025",
    )
    problems.add(
        ok & column.spread(shaped & ~real),
        22,
        "session_date ",
        "session_date",
        f" is not a real date in {form} form (the date order is {order.value})",
    )
    problems.add(ok & column.spread(future), 23, "session_date ", "session_date", " is in the future", quote=False)
    problems.add(ok & column.spread(ancient), 24, "session_date ", "session_date", " is before 1900", quote=False)
    out["session_date"] = column.spread(parsed.astype("datetime64[s]").to_numpy())
    good = real & ~future & ~ancient
    days = parsed.to_numpy().astype("datetime64[D]").astype("int64") + 100_000  # >= 0 from 1900 on
    return column.spread(np.where(good, days, -1))


def _check_session(
    column: _Column, ok: np.ndarray, out: pd.DataFrame, problems: _Problems, known: Iterable[str]
) -> np.ndarray:
    values = normalise_session(column.uniques, known)
    empty = (values == "").to_numpy()
    long = (values.str.len() > MAX_SESSION_LENGTH).to_numpy()
    problems.add(ok & column.spread(empty), 30, "session is empty")
    problems.add(ok & column.spread(long), 31, f"session is longer than {MAX_SESSION_LENGTH} characters")
    out["session"] = values.take(column.codes).reset_index(drop=True)
    canonical, _ = pd.factorize(values)
    return column.spread(np.where(~empty & ~long, canonical, -1))


def _check_status(
    column: _Column, ok: np.ndarray, out: pd.DataFrame, problems: _Problems, vocabulary: Mapping[str, str] | None
) -> None:
    status = normalise_status(column.uniques, vocabulary)
    empty = (column.uniques == "").to_numpy()
    problems.add(ok & column.spread(empty), 40, "status is empty")
    problems.add(
        ok & column.spread(~empty & status.isna().to_numpy()),
        41,
        "status ",
        "status",
        f" is not {compute_status_help(vocabulary)}",
    )
    out["status"] = pd.Series(status.to_numpy(dtype=object), dtype="str").take(column.codes).reset_index(drop=True)


def _check_department(
    column: _Column | None, ok: np.ndarray, departments: Mapping[str, int], out: pd.DataFrame, problems: _Problems
) -> None:
    home = out["home_department_id"].to_numpy() if "home_department_id" in out else np.full(len(out), np.nan)
    if column is None:
        out["department_id"] = pd.array(home, dtype="Float64").astype("Int64")
        return
    given = (column.uniques != "").to_numpy()
    folded = {name.casefold(): id_ for name, id_ in departments.items()}
    ids = column.uniques.str.casefold().map(folded).to_numpy(dtype="float64", na_value=np.nan)
    problems.add(ok & column.spread(given & np.isnan(ids)), 50, "unknown department ", "department")
    chosen = np.where(column.spread(given), column.spread(ids), home)
    out["department_id"] = pd.array(chosen, dtype="Float64").astype("Int64")


def _check_check_in(
    column: _Column | None, ok: np.ndarray, out: pd.DataFrame, problems: _Problems, order: DateOrder
) -> None:
    """A check-in time is judged on its own; a time of day takes the row's date when that is good."""
    if column is None:
        out["check_in_time"] = np.full(len(out), np.datetime64("NaT"), dtype="datetime64[us]")
        return
    values = column.uniques
    given = (values != "").to_numpy()
    stamps, offsets, clock = parse_check_ins(values, order)
    bad = given & np.isnat(stamps) & ~clock
    per_row = column.spread(stamps)
    if clock.any() and "session_date" in out:
        day = out["session_date"].to_numpy().astype("datetime64[us]")
        per_row = np.where(column.spread(clock), day + column.spread(offsets), per_row)
    problems.add(
        ok & column.spread(bad),
        60,
        "check_in_time ",
        "check_in_time",
        " is not a time: write it as 08:05, 8:05 AM or 2026-11-03T08:05",
    )
    out["check_in_time"] = per_row


def _check_remarks(
    frame: pd.DataFrame, column: _Column | None, ok: np.ndarray, out: pd.DataFrame, problems: _Problems
) -> None:
    if column is None:
        out["remarks"] = pd.Series(None, index=out.index, dtype="object")
        return
    long = column.spread((column.uniques.str.len() > MAX_REMARKS_LENGTH).to_numpy())
    problems.add(ok & long, 70, f"remarks is longer than {MAX_REMARKS_LENGTH} characters")
    values = frame["remarks"]
    out["remarks"] = values.where(values != "").reset_index(drop=True)


def _check_duplicates(out: pd.DataFrame, parts: list[np.ndarray], ok: np.ndarray, problems: _Problems) -> None:
    """Same (trainee, date, session) twice: every later row is 'duplicate of row N' (the first)."""
    trainee, day, session = parts
    valid = ok & (trainee >= 0) & (day >= 0) & (session >= 0)
    if not valid.any():
        return
    day_codes, _ = pd.factorize(day[valid])
    spans = np.int64(day_codes.max() + 1), np.int64(session[valid].max() + 1)
    keys = (trainee[valid].astype("int64") * spans[0] + day_codes) * spans[1] + session[valid]
    groups, _ = pd.factorize(keys)
    _, first = np.unique(groups, return_index=True)
    first_position = first[groups]
    duplicate = first_position != np.arange(len(groups))
    if not duplicate.any():
        return
    rows = out["row"].to_numpy()[valid]
    mask = np.zeros(len(out), dtype=bool)
    mask[np.flatnonzero(valid)[duplicate]] = True
    messages = np.empty(len(out), dtype=object)
    messages[mask] = ("duplicate of row " + pd.Series(rows[first_position[duplicate]]).astype("str")).to_numpy()
    problems.add_messages(mask, 90, messages)


def _result(raw: RawSheet, out: pd.DataFrame, found: pd.DataFrame, missing: tuple[str, ...]) -> AttendanceValidation:
    pairs = [(1, message) for message in raw.header_errors]
    # A wide file has several records per file row: the same problem of one row is listed once.
    found = found.drop_duplicates(["row", "message"])
    if len(found):
        pairs += zip(found["row"].astype("int64").tolist(), found["message"].astype("str").tolist(), strict=True)
    errors = tuple(f"row {row}: {message}" for row, message in pairs)
    bad_rows = _bad_rows(raw, found)
    if errors or missing:
        rows = pd.DataFrame(columns=list(CLEAN_COLUMNS))
    else:
        rows = out[list(CLEAN_COLUMNS)].reset_index(drop=True)
    return AttendanceValidation(rows, errors, bad_rows, missing, len(raw.frame), raw.columns, tuple(pairs))


def _bad_rows(raw: RawSheet, found: pd.DataFrame) -> pd.DataFrame:
    columns = ["row", *raw.columns, "reason"]
    if found.empty:
        return pd.DataFrame(columns=columns)
    reasons = found.groupby("row", sort=True)["message"].agg("; ".join)
    bad = raw.frame[raw.frame[ROW].isin(reasons.index)].rename(columns={ROW: "row"})
    bad = bad.assign(reason=bad["row"].map(reasons).to_numpy())
    return bad[columns].reset_index(drop=True)
