"""How a file's columns and cells become attendance fields: dates and times as spreadsheets write
them, the column mapping (with synonyms), and the wide layout (one column per session). Pure.

Day-versus-month order is never guessed: it is a `DateOrder` (the runtime setting `date_order`,
or the upload's own choice).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

import numpy as np
import pandas as pd

from core.rules.attendance_files import ROW, FileRefusedError, RawSheet, RawTable, compute_mapped_sheet

FIELDS = ("trainee_id", "session_date", "session", "status", "department", "check_in_time", "remarks")
WIDE_DEFAULT_SESSION = "Day"


class DateOrder(StrEnum):
    DMY = "DMY"
    MDY = "MDY"
    YMD = "YMD"


DATE_FORMS = {DateOrder.DMY: "DD/MM/YYYY", DateOrder.MDY: "MM/DD/YYYY", DateOrder.YMD: "YYYY/MM/DD"}
MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}
# Header spellings other systems use, as `synonym_key` forms.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "trainee_id": (
        "trainee_id",
        "student_id",
        "id_number",
        "reg_no",
        "registration_number",
        "registration_no",
        "registration",
        "student_number",
        "matric_no",
        "trainee",
        "id",
    ),
    "session_date": ("session_date", "date", "attendance_date", "day", "class_date"),
    "session": ("session", "slot", "session_name", "period", "class", "sessions"),
    "status": ("status", "attendance", "attendance_status", "mark", "presence"),
    "department": ("department", "dept", "ward", "unit"),
    "check_in_time": ("check_in_time", "check_in", "checkin", "time_in", "arrival_time", "arrival", "time"),
    "remarks": ("remarks", "remark", "notes", "note", "comments", "comment"),
}
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ]00:00(?::00(?:\.0+)?)?(?:Z|[+-]00:?00)?)?")
_NUMERIC = re.compile(r"(\d{1,4})([/.\-])(\d{1,2})\2(\d{1,4})\.?")
_NAMED = re.compile(r"(\d{1,2})(?:st|nd|rd|th)?[\s\-/]+([A-Za-z]{3,9})\.?[\s\-/,]+(\d{4}|\d{2})")
_DATE_START = re.compile(
    r"(\d{4}-\d{1,2}-\d{1,2}|\d{1,4}[/.\-]\d{1,2}[/.\-]\d{1,4}|\d{1,2}[\s\-][A-Za-z]{3,9}\.?[\s\-,]+\d{2,4})(?:\s+|$)"
)
_CLOCK = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?\s*(?:([AaPp])\.?[Mm]\.?)?")


def synonym_key(text: object) -> str:
    """A header cell in the form synonyms are compared in: lower case, words joined by '_'."""
    return re.sub(r"[^0-9a-z]+", "_", str(text or "").replace("\ufeff", "").casefold()).strip("_")


def _year(text: str) -> int | None:
    if len(text) == 4:
        return int(text)
    if len(text) == 2:
        number = int(text)
        return 2000 + number if number < 70 else 1900 + number
    return None


def _date(year: int | None, month: int, day: int) -> date | None:
    if year is None:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


def parse_date_text(text: str, order: DateOrder) -> tuple[bool, date | None]:
    """(is in an accepted form, the date or None when not a real date in that form)."""
    text = text.strip()
    found = _ISO.fullmatch(text)
    if found:
        return True, _date(int(found.group(1)), int(found.group(2)), int(found.group(3)))
    found = _NUMERIC.fullmatch(text)
    if found:
        first, _, second, third = found.groups()
        if len(first) == 4:
            return True, _date(int(first), int(second), int(third))
        if order == DateOrder.YMD:
            return True, _date(_year(first), int(second), int(third))
        day, month = (first, second) if order == DateOrder.DMY else (second, first)
        if len(day) > 2:
            return True, None
        return True, _date(_year(third), int(month), int(day))
    found = _NAMED.fullmatch(text)
    if found and found.group(2).casefold() in MONTHS:
        return True, _date(_year(found.group(3)), MONTHS[found.group(2).casefold()], int(found.group(1)))
    return False, None


def parse_clock_text(text: str) -> timedelta | None:
    """`HH:MM[:SS]` (24-hour) or `H:MM[:SS] AM/PM` as the time since midnight; None when not a real time."""
    found = _CLOCK.fullmatch(text.strip())
    if not found:
        return None
    hour, minute, second, half = int(found.group(1)), int(found.group(2)), int(found.group(3) or 0), found.group(4)
    if minute > 59 or second > 59:
        return None
    if half:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if half in "Pp" else 0)
    elif hour > 23:
        return None
    return timedelta(hours=hour, minutes=minute, seconds=second)


def parse_dates(values: pd.Series, order: DateOrder) -> tuple[np.ndarray, pd.Series]:
    """Per value: (in an accepted form, the day as a Timestamp or NaT). ISO dates take a vectorised path."""
    shaped = values.str.fullmatch(r"\d{4}-\d{2}-\d{2}").to_numpy(dtype=bool).copy()
    parsed = pd.to_datetime(values.where(shaped), format="%Y-%m-%d", errors="coerce")
    rest = np.flatnonzero(~shaped & (values != "").to_numpy())
    if len(rest):
        stamps = parsed.to_numpy().copy()
        texts: list[str] = [str(v) for v in values.tolist()]
        for position in rest.tolist():
            ok, day = parse_date_text(texts[position], order)
            shaped[position] = ok
            stamps[position] = np.datetime64(day, "ns") if day else np.datetime64("NaT", "ns")
        parsed = pd.Series(pd.to_datetime(stamps), index=values.index)
    return shaped, pd.Series(parsed, index=values.index)


def parse_check_ins(values: pd.Series, order: DateOrder) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per value, judged on its own: (full timestamps or NaT, times of day or NaT, is a clock time only).

    A value is good when it has a timestamp or is a clock time (with a time of day).
    """
    given = (values != "").to_numpy()
    parsed = pd.to_datetime(values.where(given), format="ISO8601", errors="coerce", utc=True)
    stamps = parsed.dt.tz_localize(None).astype("datetime64[us]").to_numpy().copy()
    offsets = np.full(len(values), np.timedelta64("NaT"), dtype="timedelta64[us]")
    clock = np.zeros(len(values), dtype=bool)
    texts: list[str] = [str(v) for v in values.tolist()]
    for position in np.flatnonzero(given & np.isnat(stamps)).tolist():
        text = texts[position].strip()
        offset = parse_clock_text(text)
        if offset is not None:
            clock[position] = True
            offsets[position] = np.timedelta64(offset, "us")
            continue
        day_part, _, time_part = text.partition(" ")
        ok, day = parse_date_text(day_part, order)
        offset = parse_clock_text(time_part) if ok and day else None
        if day is not None and offset is not None:
            stamps[position] = np.datetime64(day, "us") + np.timedelta64(offset, "us")
    return stamps, offsets, clock


@dataclass(frozen=True)
class Layout:
    """Which file column holds which field; in the wide layout, the session columns too."""

    positions: Mapping[str, int]
    # (column position, date, session label) per session column of a wide file.
    wide: tuple[tuple[int, date, str], ...] = ()
    header_errors: tuple[str, ...] = ()

    @property
    def is_wide(self) -> bool:
        return bool(self.wide)

    def named(self, header: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
        """(field, file column) pairs, for the mapping step and messages."""
        return tuple((name, header[position]) for name, position in self.positions.items())


def parse_mapping_text(text: str) -> dict[str, str]:
    """`"Student ID=trainee_id, Date=session_date"` -> {file column: field}.

    Raises:
        ValueError: a part without '=' or an unknown field.
    """
    mapping: dict[str, str] = {}
    for part in (p for p in text.split(",") if p.strip()):
        column, equals, name = part.rpartition("=")
        if not equals or not column.strip() or not name.strip():
            raise ValueError(f"'{part.strip()}' is not COLUMN=FIELD")
        field = synonym_key(name)
        if field not in FIELDS:
            raise ValueError(f"'{name.strip()}' is not a field (fields: {', '.join(FIELDS)})")
        mapping[column.strip()] = field
    return mapping


def parse_wide_header(text: str, order: DateOrder) -> tuple[date, str] | None:
    """'03/03/2025 AM' -> (2025-03-03, 'AM'); a header without a leading date -> None."""
    found = _DATE_START.match(text.strip())
    if not found:
        return None
    ok, day = parse_date_text(found.group(1), order)
    if not ok or day is None:
        return None
    slot = re.sub(r"\s+", " ", text.strip()[found.end() :]).strip(" -–()")
    return day, slot or WIDE_DEFAULT_SESSION


def compute_layout(
    header: Iterable[str], *, mapping: Mapping[str, str] | None = None, order: DateOrder = DateOrder.DMY
) -> Layout:
    """Fields -> columns: the given mapping (file column -> field) first, then exact names, then synonyms.

    Without session_date and status columns, columns whose header starts with a date are the
    sessions of a wide file (one row per trainee).
    """
    columns = tuple(header)
    keys = [synonym_key(h) for h in columns]
    positions: dict[str, int] = {}
    errors: list[str] = []
    taken: set[int] = set()
    for column, name in (mapping or {}).items():
        key = synonym_key(column)
        if key not in keys:
            errors.append(f"the mapping names column '{column}', which the file does not have")
            continue
        if name in positions:
            errors.append(f"the mapping gives field '{name}' two columns")
            continue
        positions[name] = keys.index(key)
        taken.add(positions[name])
    for rank in range(max(len(s) for s in SYNONYMS.values())):
        for name in FIELDS:
            if name in positions or rank >= len(SYNONYMS[name]):
                continue
            matches = [p for p, k in enumerate(keys) if k == SYNONYMS[name][rank] and p not in taken]
            if len(matches) > 1 and rank == 0:
                errors.append(f"column '{name}' appears more than once")
            if matches:
                positions[name] = matches[0]
                taken.add(matches[0])
    wide: list[tuple[int, date, str]] = []
    if "session_date" not in positions and "status" not in positions:
        for position, text in enumerate(columns):
            if position in taken:
                continue
            parsed = parse_wide_header(text, order)
            if parsed is not None:
                wide.append((position, *parsed))
        if wide:
            positions.pop("session", None)
            positions.pop("check_in_time", None)
    ordered = {name: positions[name] for name in FIELDS if name in positions}
    return Layout(ordered, tuple(wide), tuple(errors))


def compute_layout_sheet(table: RawTable, layout: Layout) -> RawSheet:
    """The table under field names; a wide file unpivoted to one row per filled session cell.

    Raises:
        FileRefusedError: nothing to import (a wide file with no filled session cell).
    """
    if not layout.is_wide:
        return compute_mapped_sheet(table, layout.positions, layout.header_errors)
    fixed = {name: table.column(position) for name, position in layout.positions.items()}
    structural = dict(table.structural)
    usable = ~table.blank | np.isin(table.rows, list(structural))
    parts: list[pd.DataFrame] = []
    for order, (position, day, slot) in enumerate(layout.wide):
        cells = table.column(position)
        filled = usable & ((cells != "").to_numpy() | np.isin(table.rows, list(structural)))
        if not filled.any():
            continue
        part = pd.DataFrame(
            {name: values[filled].to_numpy() for name, values in fixed.items()}, index=pd.RangeIndex(int(filled.sum()))
        )
        part["session_date"] = day.isoformat()
        part["session"] = slot
        part["status"] = cells[filled].to_numpy()
        part[ROW] = table.rows[filled]
        part["_order"] = order
        parts.append(part)
    if not parts:
        raise FileRefusedError("The file has session columns but no attendance marks in them.")
    frame = pd.concat(parts, ignore_index=True).sort_values([ROW, "_order"], kind="stable")
    frame = frame.drop(columns="_order").reset_index(drop=True)
    names = tuple(n for n in FIELDS if n in frame.columns)
    for name in names:
        frame[name] = frame[name].astype("str")
    if structural:
        # A broken row is reported once, not once per session column.
        frame = frame[~(frame[ROW].isin(list(structural)) & frame[ROW].duplicated())].reset_index(drop=True)
    return RawSheet(frame[[*names, ROW]], names, layout.header_errors, table.structural)
