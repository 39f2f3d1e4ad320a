"""Read an attendance file (CSV or XLSX bytes) into a frame of trimmed strings: pure, no I/O.

Rows keep the number a person sees in a spreadsheet (the header is row 1), also when the file
has blank lines or quoted line breaks, so every error can say `row N: ...`.
"""

from __future__ import annotations

import csv
import io
import re
import sys
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv

KNOWN_COLUMNS = ("trainee_id", "session_date", "session", "status", "department", "check_in_time", "remarks")
ROW = "row"
XLSX_MAGIC = b"PK\x03\x04"
UTF8_BOM = b"\xef\xbb\xbf"
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
SAVE_AS_UTF8 = (
    "Save it as UTF-8: in Excel choose File > Save As > 'CSV UTF-8 (Comma delimited) (*.csv)'; "
    "in LibreOffice tick 'Edit filter settings' and pick the character set 'Unicode (UTF-8)'; "
    "or upload the .xlsx workbook itself."
)


class FileRefusedError(ValueError):
    """The file as a whole cannot be read (type, encoding, empty...); nothing in it was checked."""


@dataclass(frozen=True)
class RawSheet:
    """The file's rows as trimmed strings under canonical column names, plus a `row` column."""

    frame: pd.DataFrame
    columns: tuple[str, ...]
    # Problems with the header row (row 1), as messages without the row number.
    header_errors: tuple[str, ...] = ()
    # (row, message) for rows that could not be split into the header's columns.
    structural_errors: tuple[tuple[int, str], ...] = field(default_factory=tuple)


def compute_canonical_name(name: object) -> str:
    """Header cell -> column name: trimmed, lower case, spaces and dashes as underscores."""
    text = "" if name is None else str(name)
    return re.sub(r"[\s\-]+", "_", text.replace("\ufeff", "").strip().lower())


def compute_file_kind(file_name: str, content: bytes) -> str:
    """'csv' or 'xlsx', judged by the name and the first bytes.

    Raises:
        FileRefusedError: any other type, or a name that contradicts the content.
    """
    name = (file_name or "").lower()
    is_zip = content.startswith(XLSX_MAGIC)
    if name.endswith(".xlsx"):
        if not is_zip:
            raise FileRefusedError(f"'{file_name}' is not a valid Excel workbook (.xlsx): it is not a zip archive.")
        return "xlsx"
    if name.endswith(".xls"):
        raise FileRefusedError("Old Excel files (.xls) are not supported: save the sheet as .xlsx or as CSV UTF-8.")
    if name.endswith(".csv") or name.endswith(".txt"):
        if is_zip:
            raise FileRefusedError(f"'{file_name}' is an Excel workbook, not CSV text: rename it to .xlsx.")
        return "csv"
    raise FileRefusedError(f"Wrong file type '{file_name}': upload a CSV (.csv) or Excel (.xlsx) file.")


def list_xlsx_sheets(content: bytes) -> list[str]:
    """Sheet names of an .xlsx workbook, in order.

    Raises:
        FileRefusedError: the bytes are not a readable workbook.
    """
    workbook = _open_workbook(content)
    try:
        return list(workbook.sheetnames)
    finally:
        workbook.close()


def read_attendance_file(content: bytes, file_name: str, *, sheet: str | None = None) -> RawSheet:
    """Parse the whole file into trimmed strings.

    Raises:
        FileRefusedError: empty file, header without rows, wrong type or encoding, unreadable workbook.
    """
    if not content or not content.strip(b" \t\r\n" + UTF8_BOM):
        raise FileRefusedError("The file is empty.")
    kind = compute_file_kind(file_name, content)
    header, frame, structural = _read_xlsx(content, sheet) if kind == "xlsx" else _read_csv(content)
    return _finish(header, frame, structural)


def _finish(header: list[str], frame: pd.DataFrame, structural: list[tuple[int, str]]) -> RawSheet:
    names = [compute_canonical_name(h) for h in header]
    if not any(names):
        raise FileRefusedError("The first row must be the header (trainee_id, session_date, session, status).")
    header_errors: list[str] = []
    keep: dict[str, str] = {}
    for position, name in enumerate(names):
        if name not in KNOWN_COLUMNS:
            continue
        if name in keep:
            header_errors.append(f"column '{name}' appears more than once")
            continue
        keep[name] = f"f{position}"
    data = {name: _trim(frame[source]) for name, source in keep.items()}
    out = pd.DataFrame(data, index=frame.index)
    out[ROW] = frame[ROW].to_numpy()
    # A row is blank (and skipped) only when every cell, known column or not, is empty.
    blank = np.ones(len(frame), dtype=bool)
    for source in (c for c in frame.columns if c != ROW):
        codes, uniques = pd.factorize(frame[source])
        blank &= (pd.Series(uniques, dtype="str").str.strip() == "").to_numpy()[codes]
    blank &= ~frame[ROW].isin([row for row, _ in structural]).to_numpy()
    out = out[~blank].reset_index(drop=True)
    if out.empty and not structural:
        raise FileRefusedError("The file has a header but no rows.")
    return RawSheet(out, tuple(keep), tuple(header_errors), tuple(structural))


def _trim(values: pd.Series) -> pd.Series:
    return values.fillna("").astype("str").str.strip()


def _read_csv(content: bytes) -> tuple[list[str], pd.DataFrame, list[tuple[int, str]]]:
    if content.startswith(UTF16_BOMS):
        raise FileRefusedError("The file is UTF-16 text, not UTF-8. " + SAVE_AS_UTF8)
    body = content[len(UTF8_BOM) :] if content.startswith(UTF8_BOM) else content
    # Trailing blank lines are common and carry no rows; blank lines inside still count as rows.
    body = body.rstrip(b"\r\n \t")
    if b"\x00" in body[:65536]:
        raise FileRefusedError("The file is not CSV text (it contains binary data). " + SAVE_AS_UTF8)
    _check_utf8(body)
    header_text = body.split(b"\n", 1)[0].decode("utf-8")
    delimiter = max((",", ";", "\t"), key=header_text.count) if header_text else ","
    header = next(csv.reader([header_text.rstrip("\r")], delimiter=delimiter), [])
    if b"\n" not in body:
        raise FileRefusedError("The file has a header but no rows.")
    try:
        return header, _read_csv_fast(body, delimiter, len(header)), []
    except (pa.ArrowException, _RaggedError):
        return _read_csv_slow(body, delimiter, header)


def _check_utf8(body: bytes) -> None:
    try:
        body.decode("utf-8")
    except UnicodeDecodeError as exc:
        row = body[: exc.start].count(b"\n") + 1
        raise FileRefusedError(f"row {row}: the file is not UTF-8 text. " + SAVE_AS_UTF8) from None


class _RaggedError(Exception):
    pass


def _read_csv_fast(body: bytes, delimiter: str, width: int) -> pd.DataFrame:
    def refuse_ragged(_row: object) -> str:
        # Skipping would shift every later row number: fail, and let the exact (slower) reader run.
        return "error"

    table = pa_csv.read_csv(
        io.BytesIO(body),
        read_options=pa_csv.ReadOptions(skip_rows=1, autogenerate_column_names=True, block_size=1 << 24),
        parse_options=pa_csv.ParseOptions(
            delimiter=delimiter,
            newlines_in_values=True,
            ignore_empty_lines=False,
            invalid_row_handler=refuse_ragged,
        ),
        convert_options=pa_csv.ConvertOptions(
            column_types={f"f{i}": pa.string() for i in range(width)},
            strings_can_be_null=False,
        ),
    )
    if table.num_columns != width:
        raise _RaggedError
    frame: pd.DataFrame = table.to_pandas()
    frame.columns = [f"f{i}" for i in range(frame.shape[1])]
    frame[ROW] = range(2, len(frame) + 2)
    return frame


def _read_csv_slow(
    body: bytes, delimiter: str, header: list[str]
) -> tuple[list[str], pd.DataFrame, list[tuple[int, str]]]:
    text = body.decode("utf-8")
    width = len(header)
    previous_limit = csv.field_size_limit()
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise FileRefusedError(f"The file could not be read as CSV: {exc}.") from None
    finally:
        csv.field_size_limit(previous_limit)
    structural: list[tuple[int, str]] = []
    columns: list[list[str]] = [[] for _ in range(width)]
    for number, record in enumerate(records[1:], start=2):
        if record and len(record) != width and any(cell.strip() for cell in record):
            structural.append((number, f"has {len(record)} fields but the header has {width}"))
        padded = (record + [""] * width)[:width]
        for position in range(width):
            columns[position].append(padded[position])
    frame = pd.DataFrame({f"f{i}": pd.Series(values, dtype="str") for i, values in enumerate(columns)})
    frame[ROW] = range(2, len(frame) + 2)
    return header, frame, structural


def _open_workbook(content: bytes):  # type: ignore[no-untyped-def]
    import openpyxl

    try:
        return openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=False)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError) as exc:
        raise FileRefusedError(
            f"The workbook could not be read ({type(exc).__name__}): save it again as .xlsx."
        ) from None


def _read_xlsx(content: bytes, sheet: str | None) -> tuple[list[str], pd.DataFrame, list[tuple[int, str]]]:
    workbook = _open_workbook(content)
    try:
        names = list(workbook.sheetnames)
        if sheet is not None and sheet not in names:
            raise FileRefusedError(f"The workbook has no sheet '{sheet}' (it has: {', '.join(names)}).")
        worksheet = workbook[sheet or names[0]]
        rows = worksheet.iter_rows(values_only=True)
        header_cells = next(rows, None)
        if header_cells is None:
            raise FileRefusedError("The file is empty.")
        header = [_cell_text(c, "") for c in header_cells]
        width = len(header)
        kinds = [compute_canonical_name(h) for h in header]
        columns: list[list[str]] = [[] for _ in range(width)]
        for cells in rows:
            padded = (tuple(cells) + (None,) * width)[:width]
            for position in range(width):
                columns[position].append(_cell_text(padded[position], kinds[position]))
    finally:
        workbook.close()
    if not columns or not columns[0]:
        raise FileRefusedError("The file has a header but no rows.")
    frame = pd.DataFrame({f"f{i}": pd.Series(values, dtype="str") for i, values in enumerate(columns)})
    frame[ROW] = range(2, len(frame) + 2)
    return header, frame, []


def _cell_text(value: object, column: str) -> str:
    """One workbook cell as the text a CSV export would hold (formulas keep their leading '=')."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time.min else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.isoformat()
    if isinstance(value, int | float):
        if column == "session_date" and 1 <= value < 2958466:
            from openpyxl.utils.datetime import from_excel

            serial_day: datetime = from_excel(value)  # an Excel serial day number
            return serial_day.date().isoformat()
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value)
    text = getattr(value, "text", None)  # ArrayFormula and similar formula objects
    return "=" + str(text).lstrip("=") if text is not None else str(value)
