"""Spreadsheet-safe exports: CSV and XLSX bytes with every formula-like cell neutralised.

CSV is UTF-8 with a BOM (so Excel reads names right), RFC 4180 line ends, and any cell holding
a CR or LF quoted (a bare CR would otherwise start a new spreadsheet row, and a formula with it).
XLSX has human column names, fitted widths, a frozen header with an autofilter, real number,
percent and date formats, and a first "About" sheet saying what the file covers.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import pandas as pd

from core.clock import programme_time
from core.rules.values import Role
from core.xlsx import Sheet, write_workbook

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n")
_WIDTH_SAMPLE = 2000
_MAX_WIDTH = 60


def neutralise_cell(value: object) -> object:
    """Prefix a text cell that a spreadsheet would run as a formula with a quote.

    Leading spaces do not hide a formula: spreadsheets that trim input still see the `=`.
    """
    if isinstance(value, str) and value.lstrip(" ").startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Return a copy whose text cells (in any column, whatever its dtype) cannot run as formulas."""
    safe = frame.copy()
    for column in safe.columns:
        if not (pd.api.types.is_numeric_dtype(safe[column]) or pd.api.types.is_datetime64_any_dtype(safe[column])):
            safe[column] = safe[column].astype(object).map(neutralise_cell)
    safe.columns = [str(neutralise_cell(str(c))) for c in safe.columns]
    return safe


def _csv_text(value: object) -> object:
    if value is None or (not isinstance(value, str) and _is_missing(value)):
        return ""
    if isinstance(value, datetime):
        whole_minute = value.second == 0 and value.microsecond == 0
        return value.isoformat(sep=" ", timespec="minutes" if whole_minute else "seconds")
    if isinstance(value, date):
        return value.isoformat()
    return neutralise_cell(value if not isinstance(value, bool) else ("yes" if value else "no"))


def _is_missing(value: object) -> bool:
    try:
        return bool(pd.isna(value))  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return False


def write_csv(header: Sequence[object], rows: Iterable[Sequence[object]]) -> bytes:
    """CSV bytes: UTF-8 with a BOM, CRLF line ends, every cell neutralised, CR/LF cells quoted."""
    buffer = io.StringIO()
    # QUOTE_MINIMAL quotes a cell holding the delimiter, a quote or any lineterminator character:
    # with "\r\n" that is every cell with a CR or LF, bare ones included.
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow([_csv_text(str(h)) for h in header])
    for row in rows:
        writer.writerow([_csv_text(v) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """The frame as CSV (see `write_csv`)."""
    return write_csv(list(frame.columns), frame.itertuples(index=False, name=None))


def export_file_name(
    name: str, extension: str, *, day: date, period: str | None = None, scope: str | None = None
) -> str:
    """`name_period_scope_YYYY-MM-DD.ext`, each part reduced to letters, digits, dots and dashes."""
    parts = [name, period, scope, day.isoformat()]
    slugs = [_slug(p) for p in parts if p]
    return "_".join(s for s in slugs if s) + "." + extension


def export_scope(role: str, full_name: str) -> str:
    """Whose rows an export holds, in words (as the report archive says it)."""
    if role == Role.SUPERVISOR:
        return f"Trainees supervised by {full_name}"
    if role == Role.TRAINEE:
        return f"Own records of {full_name}"
    return "All trainees"


def _slug(text: str) -> str:
    return re.sub(r"[^0-9A-Za-z.\-]+", "-", text).strip("-.").lower()[:60]


_WORDS = {
    "pct": "%",
    "id": "ID",
    "ids": "IDs",
    "url": "URL",
    "sha256": "SHA-256",
    "xlsx": "XLSX",
    "csv": "CSV",
    "pdf": "PDF",
    "utc": "UTC",
}


def human_header(column: object) -> str:
    """`registration_number` -> `Registration number`, `attendance_pct` -> `Attendance %`."""
    text = str(column)
    if "_" not in text and text != text.lower():
        return text  # already written for people
    words = [w for w in text.replace("-", " ").split("_") if w] or [text]
    shown = [_WORDS.get(w.lower(), w) for w in words]
    first = shown[0]
    shown[0] = first if first in _WORDS.values() else first[:1].upper() + first[1:]
    return " ".join(shown)


_CODE = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)+$")  # a value set's member or an event name: `import_refused`
TIME_FORMAT = "%Y-%m-%d %H:%M"


def human_code(value: str) -> str:
    """`attendance_import_refused` -> `Attendance import refused`; any other text is returned as it is."""
    if not _CODE.match(value):
        return value
    words = [_WORDS.get(w, w) for w in value.split("_")]
    return " ".join(words)[:1].upper() + " ".join(words)[1:]


def when_text(moment: datetime | None) -> str:
    """A stored (naive-UTC) instant as people read it: to the minute, in the programme's timezone; "" for none."""
    return "" if moment is None else programme_time(moment).strftime(TIME_FORMAT)


def shown_header(column: object) -> str:
    """The header a table shows: a snake_case name in words (`old_score` -> "Old score"); a header already
    written for people ("case date", "Attendance %") as it is."""
    text = str(column)
    return human_header(text) if "_" in text else text


def present_frame(frame: pd.DataFrame, *, for_workbook: bool = False) -> pd.DataFrame:
    """A table as people read it, on a page or in a download (issue 18):

    - snake_case headers in words (`registration_number` -> "Registration number", `old_score` -> "Old score");
    - codes in words (`attendance_import_refused` -> "Attendance import refused");
    - no `None`, `NaN` or `NaT`: a missing value is an empty cell;
    - times to the minute in the programme's timezone (stored instants are naive UTC), as text
      ("2026-11-30 14:05"). `for_workbook` keeps times as (naive, local) datetimes and numbers as numbers
      (an empty cell in a workbook is already empty), so the workbook keeps its number and date formats.
    """
    shown = pd.DataFrame(index=frame.index)
    used: set[str] = set()
    for position, column in enumerate(frame.columns):
        header = shown_header(column)
        while header in used:  # two columns that read alike stay two columns
            header += " "
        used.add(header)
        shown[header] = _present_column(frame.iloc[:, position], for_workbook=for_workbook)
    return shown.reset_index(drop=True)


def _present_column(series: pd.Series[Any], *, for_workbook: bool) -> pd.Series[Any]:
    text = not for_workbook
    if pd.api.types.is_bool_dtype(series):
        return series
    if pd.api.types.is_datetime64_any_dtype(series):
        values = series.dt.tz_localize(None) if getattr(series.dt, "tz", None) is not None else series
        return values.astype(object).map(
            lambda v: _present_value(None if pd.isna(v) else pd.Timestamp(v).to_pydatetime(), text)
        )
    if pd.api.types.is_numeric_dtype(series):
        if for_workbook or not series.isna().any():
            return series
        whole = bool(((series.dropna() % 1) == 0).all())
        return series.map(lambda v: "" if pd.isna(v) else (f"{int(v):,}" if whole else f"{v:,.2f}"))
    return series.astype(object).map(lambda v: _present_value(v, text))


def _present_value(value: object, times_as_text: bool) -> object:
    if value is None or (not isinstance(value, (str, bytes, list, tuple, dict)) and _is_missing(value)):
        return ""
    if isinstance(value, datetime):
        local = programme_time(value).replace(second=0, microsecond=0)
        return local.strftime(TIME_FORMAT) if times_as_text else local
    if isinstance(value, str):  # a StrEnum member too
        return human_code(str(value))
    return value


def is_percent_column(column: object) -> bool:
    """A column whose values are percentages (0-100), by its name."""
    text = str(column).lower()
    return text.endswith("_pct") or text.endswith("%") or text in {"pct", "percentage", "compliance", "attendance"}


@dataclass(frozen=True)
class ExportAbout:
    """What an exported workbook covers: shown on its first sheet."""

    title: str
    generated_by: str
    generated_at: datetime
    period: str = "—"
    scope: str = "—"
    filters: dict[str, str] = field(default_factory=dict)
    data_as_of: datetime | None = None
    checksum: str | None = None


def content_checksum(frame: pd.DataFrame) -> str:
    """SHA-256 over the exported rows and columns, computed like the pack's content checksum."""
    content = {"columns": [str(c) for c in frame.columns], "rows": frame.astype(object).values.tolist()}
    return hashlib.sha256(json.dumps(content, sort_keys=True, default=str).encode()).hexdigest()


def to_xlsx_bytes(frame: pd.DataFrame, sheet_name: str = "data", *, about: ExportAbout | None = None) -> bytes:
    """An .xlsx workbook: an About sheet (when given) and the data sheet, formula-safe and formatted."""
    name = _sheet_name(sheet_name)
    headers = [str(neutralise_cell(human_header(c))) for c in frame.columns]
    kinds = [_kind(frame[c], c) for c in frame.columns]
    columns: list[list[object]] = []
    for column, kind in zip(frame.columns, kinds, strict=True):
        values = frame[column].tolist()
        columns.append([neutralise_cell(v) for v in values] if kind == "text" else values)
    data = Sheet(
        name=name,
        header=headers,
        kinds=kinds,
        widths=_widths(frame, headers, kinds),
        rows=lambda: iter(zip(*columns, strict=True)),
        row_count=len(frame),
    )
    sheets = [_about_sheet(about, frame, data_sheet=name), data] if about is not None else [data]
    return write_workbook(sheets)


def _sheet_name(text: str) -> str:
    cleaned = re.sub(r"[\[\]:*?/\\]", "-", text).strip("'") or "data"
    return "data" if cleaned.lower() == "about" else cleaned[:31]


def _about_sheet(about: ExportAbout, frame: pd.DataFrame, *, data_sheet: str) -> Sheet:
    filters = "; ".join(f"{k}: {v}" for k, v in about.filters.items()) or "none"
    rows: list[tuple[str, object]] = [
        ("Period", about.period),
        ("Scope", about.scope),
        ("Filters", filters),
        ("Rows", len(frame)),
        ("Data sheet", data_sheet),
        ("Generated by", about.generated_by),
        ("Generated at (UTC)", about.generated_at),
        ("Data as of (UTC)", about.data_as_of or about.generated_at),
        ("Content checksum (SHA-256)", about.checksum or content_checksum(frame)),
    ]
    safe = [(label, neutralise_cell(value)) for label, value in rows]
    return Sheet(
        name="About",
        header=("Item", "Value"),
        kinds=("text", "integer"),
        widths=(28, 64),  # both fit one portrait page when printed
        rows=lambda: iter(safe),
        row_count=len(safe),
        table=False,
        title=str(neutralise_cell(about.title)),
    )


def _kind(series: pd.Series[Any], column: object) -> str:
    if pd.api.types.is_bool_dtype(series):
        return "text"
    if pd.api.types.is_datetime64_any_dtype(series):
        return "datetime"
    if pd.api.types.is_numeric_dtype(series):
        if is_percent_column(column):
            return "percent"
        return "integer" if pd.api.types.is_integer_dtype(series) else "decimal"
    sample = series.dropna().head(50).tolist()
    if sample and all(isinstance(v, datetime) for v in sample):
        return "datetime"
    if sample and all(isinstance(v, date) for v in sample):
        return "date"
    if sample and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in sample):
        return "percent" if is_percent_column(column) else "decimal"
    return "text"


def _widths(frame: pd.DataFrame, headers: list[str], kinds: list[str]) -> list[float]:
    sample = frame.head(_WIDTH_SAMPLE)
    widths: list[float] = []
    for column, header, kind in zip(frame.columns, headers, kinds, strict=True):
        longest = len(header)  # the whole header on one line: a wrapped one would overlap row 2
        if kind == "datetime":
            data = 16
        elif kind == "date":
            data = 10
        elif kind in {"integer", "decimal", "percent"}:
            data = 12
        else:
            lengths = sample[column].map(lambda v: 0 if v is None else len(str(v)))
            data = int(lengths.max()) if len(lengths) else 0
        widths.append(float(min(_MAX_WIDTH, max(longest + 2, data + 2, 8))))
    return widths
