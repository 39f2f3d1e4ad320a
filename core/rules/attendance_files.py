"""Read an attendance file (CSV or XLSX bytes) into columns of trimmed strings: pure, no I/O.

Rows keep the number a person sees in a spreadsheet (the header is row 1), also when the file
has blank lines or quoted line breaks, so every error can say `row N: ...`.

Broken and hostile files are refused as a whole with a `FileRefusedError` that says why: an
unterminated quote (naming the row where it opened), NUL bytes, fields longer than
`MAX_FIELD_CHARS`, text that is not UTF-8, a corrupt or truncated workbook, and a workbook whose
declared size, header width, row count or uncompressed size is over the limits below (checked
before anything is expanded). A workbook is read cell by cell and only the cells present are kept.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import IO
from xml.etree.ElementTree import ParseError

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
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
MAX_COLUMNS = 1_000
MAX_ROWS = 2_000_000
MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024
MAX_CELLS = 20_000_000
MAX_FIELD_CHARS = 100_000
_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\s+ref=\"([A-Z]{1,3})?(\d+)?(?::([A-Z]{1,3})(\d+))?\"")
# A formula cell without a saved value: <c r="B5" ...><f>...</f></c> (or <f .../>, or an empty <v/>).
_UNSAVED_FORMULA = re.compile(
    rb"<c\b[^>]*?\br=\"([A-Z]{1,3})(\d+)\"[^>]*>\s*<f\b[^>]*(?:/>|>[^<]*</f>)\s*(?:<v\s*/>|<v>\s*</v>)?\s*</c>"
)
# What openpyxl and zipfile raise on a damaged workbook (a missing part, bad XML, a bad CRC...).
_CELL = re.compile(rb"<(?:\w+:)?c[\s>/]")
_FIRST_ROW_BYTES = 16 * 1024 * 1024
_WORKBOOK_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    ParseError,
    KeyError,
    ValueError,
    OSError,
    EOFError,
    TypeError,
    IndexError,
    AttributeError,
)


class FileRefusedError(ValueError):
    """The file as a whole cannot be read (type, encoding, empty, corrupt, too large...); nothing in it was checked."""


class RawTable:
    """The file's cells by column position: the header as written, and each data row's number.

    CSV columns are held as read; workbook columns keep only the cells that hold something, so
    memory follows the data present, not header width × rows. `column(i)` gives trimmed strings.
    """

    def __init__(
        self,
        header: Iterable[str],
        rows: np.ndarray,
        blank: np.ndarray,
        *,
        dense: Mapping[int, pd.Series] | None = None,
        sparse: Mapping[int, tuple[list[int], list[str]]] | None = None,
        structural: Iterable[tuple[int, str]] = (),
    ) -> None:
        self.header = tuple(header)
        self.rows = rows
        self.blank = blank
        self._dense = dict(dense or {})
        self._sparse = dict(sparse or {})
        self.structural = tuple(structural)

    def column(self, position: int) -> pd.Series:
        """Trimmed text of column `position` (0-based), one value per data row."""
        if position in self._dense:
            return _trim(self._dense[position])
        values = np.full(len(self.rows), "", dtype=object)
        at, cells = self._sparse.get(position, ([], []))
        if at:
            values[np.asarray(at, dtype="int64")] = cells
        return _trim(pd.Series(values, dtype="str"))


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
    _inspect_xlsx(content)
    workbook = _open_workbook(content)
    try:
        return list(workbook.sheetnames)
    except _WORKBOOK_ERRORS as exc:
        raise _corrupt(exc) from None
    finally:
        workbook.close()


def read_attendance_table(content: bytes, file_name: str, *, sheet: str | None = None) -> RawTable:
    """Parse the whole file into a `RawTable`.

    Raises:
        FileRefusedError: empty file, header without rows, wrong type or encoding, broken quoting,
            NUL bytes, huge fields, unreadable or oversized workbook.
    """
    if not content or not content.strip(b" \t\r\n" + UTF8_BOM):
        raise FileRefusedError("The file is empty.")
    kind = compute_file_kind(file_name, content)
    table = _read_xlsx(content, sheet) if kind == "xlsx" else _read_csv(content)
    if not any(h.strip() for h in table.header):
        raise FileRefusedError("The first row must be the header (trainee_id, session_date, session, status).")
    if not len(table.rows) or (table.blank.all() and not table.structural):
        raise FileRefusedError("The file has a header but no rows.")
    return table


def read_attendance_file(content: bytes, file_name: str, *, sheet: str | None = None) -> RawSheet:
    """Parse the file and take the columns whose header is a field name (no mapping).

    Raises:
        FileRefusedError: as `read_attendance_table`.
    """
    table = read_attendance_table(content, file_name, sheet=sheet)
    names = [compute_canonical_name(h) for h in table.header]
    positions: dict[str, int] = {}
    header_errors: list[str] = []
    for position, name in enumerate(names):
        if name not in KNOWN_COLUMNS:
            continue
        if name in positions:
            header_errors.append(f"column '{name}' appears more than once")
            continue
        positions[name] = position
    return compute_mapped_sheet(table, positions, header_errors)


def compute_mapped_sheet(table: RawTable, positions: Mapping[str, int], header_errors: Iterable[str] = ()) -> RawSheet:
    """The table's columns under field names (field -> column position); blank rows are dropped."""
    data = {name: table.column(position) for name, position in positions.items()}
    out = pd.DataFrame(data, index=pd.RangeIndex(len(table.rows)))
    out[ROW] = table.rows
    structural = dict(table.structural)
    keep = ~table.blank | np.isin(table.rows, list(structural))
    out = out[keep].reset_index(drop=True)
    if out.empty:
        raise FileRefusedError("The file has a header but no rows.")
    return RawSheet(out, tuple(positions), tuple(header_errors), table.structural)


def _trim(values: pd.Series) -> pd.Series:
    return values.fillna("").astype("str").str.strip()


def _row_of_offset(body: bytes, offset: int) -> int:
    """The record number (header = 1) holding byte `offset`, counting quoted line breaks as inside a record."""
    before = body[:offset]
    try:
        return sum(1 for _ in csv.reader(io.StringIO(before.decode("utf-8", "replace"), newline=""))) or 1
    except csv.Error:
        return before.count(b"\n") + 1


def _read_csv(content: bytes) -> RawTable:
    if content.startswith(UTF16_BOMS):
        raise FileRefusedError("The file is UTF-16 text, not UTF-8. " + SAVE_AS_UTF8)
    body = content[len(UTF8_BOM) :] if content.startswith(UTF8_BOM) else content
    # Trailing blank lines are common and carry no rows; blank lines inside still count as rows.
    body = body.rstrip(b"\r\n \t")
    if b"\n" not in body and b"\r" in body:
        body = body.replace(b"\r", b"\n")  # old Mac line endings (CR only)
    nul = body.find(b"\x00")
    if nul >= 0:
        row = body[:nul].count(b"\n") + 1
        raise FileRefusedError(
            f"row {row}: the file contains a NUL byte (binary data), which is not CSV text. " + SAVE_AS_UTF8
        )
    _check_utf8(body)
    header_text = re.split(rb"\r?\n", body, maxsplit=1)[0].decode("utf-8")
    if len(header_text) > MAX_FIELD_CHARS:
        raise FileRefusedError(
            f"row 1: the header is longer than {MAX_FIELD_CHARS:,} characters: is this the right file?"
        )
    delimiter = max((",", ";", "\t"), key=header_text.count) if header_text else ","
    try:
        header = next(csv.reader([header_text], delimiter=delimiter), [])
    except csv.Error as exc:
        raise FileRefusedError(f"row 1: the header could not be read as CSV ({exc}).") from None
    if len(header) > MAX_COLUMNS:
        raise FileRefusedError(f"row 1: the header has {len(header):,} columns; at most {MAX_COLUMNS:,} are read.")
    if b"\n" not in body:
        raise FileRefusedError("The file has a header but no rows.")
    if body.count(b'"') % 2:
        _refuse_unterminated_quote(body, delimiter)
    try:
        rows, blank, dense = _read_csv_fast(body, delimiter, len(header))
        structural: list[tuple[int, str]] = []
    except (pa.ArrowException, _RaggedError):
        rows, blank, dense, structural = _read_csv_slow(body, delimiter, header)
    return RawTable(header, rows, blank, dense=dense, structural=structural)


def _refuse_unterminated_quote(body: bytes, delimiter: str) -> None:
    """Refuse a file whose last quoted field never closes (it would swallow every later row)."""
    reader = csv.reader(io.StringIO(body.decode("utf-8"), newline=""), delimiter=delimiter, strict=True)
    records = 0
    previous_limit = csv.field_size_limit()
    csv.field_size_limit(len(body) + 1)
    try:
        for _ in reader:
            records += 1
    except csv.Error as exc:
        if "unexpected end of data" in str(exc):
            raise FileRefusedError(
                f'row {records + 1}: a quoted field opens here (") and is never closed, so every later row would '
                "be read into it. Close the quote or remove it, and save the file again."
            ) from None
    finally:
        csv.field_size_limit(previous_limit)


def _check_utf8(body: bytes) -> None:
    try:
        body.decode("utf-8")
    except UnicodeDecodeError as exc:
        row = body[: exc.start].count(b"\n") + 1
        raise FileRefusedError(f"row {row}: the file is not UTF-8 text. " + SAVE_AS_UTF8) from None


class _RaggedError(Exception):
    pass


def _refuse_huge_fields(lengths: np.ndarray, rows: np.ndarray) -> None:
    if len(lengths) and lengths.max(initial=0) > MAX_FIELD_CHARS:
        row = int(rows[int(np.argmax(lengths > MAX_FIELD_CHARS))])
        raise FileRefusedError(
            f"row {row}: a field is longer than {MAX_FIELD_CHARS:,} characters; no attendance value is that long."
        )


def _read_csv_fast(body: bytes, delimiter: str, width: int) -> tuple[np.ndarray, np.ndarray, dict[int, pd.Series]]:
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
    rows = np.arange(2, table.num_rows + 2)
    longest = np.zeros(table.num_rows, dtype="int64")
    blank = np.ones(table.num_rows, dtype=bool)
    for column in table.columns:
        longest = np.maximum(longest, pc.utf8_length(column).to_numpy(zero_copy_only=False))
        blank &= pc.equal(pc.utf8_trim_whitespace(column), "").to_numpy(zero_copy_only=False)
    _refuse_huge_fields(longest, rows)
    frame: pd.DataFrame = table.to_pandas()
    return rows, blank, {i: frame.iloc[:, i] for i in range(width)}


def _read_csv_slow(
    body: bytes, delimiter: str, header: list[str]
) -> tuple[np.ndarray, np.ndarray, dict[int, pd.Series], list[tuple[int, str]]]:
    text = body.decode("utf-8")
    width = len(header)
    previous_limit = csv.field_size_limit()
    csv.field_size_limit(MAX_FIELD_CHARS)
    records: list[list[str]] = []
    try:
        for record in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            records.append(record)
    except csv.Error as exc:
        row = len(records) + 1
        if "field larger than field limit" in str(exc):
            raise FileRefusedError(
                f"row {row}: a field is longer than {MAX_FIELD_CHARS:,} characters; no attendance value is that long."
            ) from None
        raise FileRefusedError(f"row {row}: the file could not be read as CSV ({exc}).") from None
    finally:
        csv.field_size_limit(previous_limit)
    structural: list[tuple[int, str]] = []
    columns: list[list[str]] = [[] for _ in range(width)]
    blank: list[bool] = []
    for number, record in enumerate(records[1:], start=2):
        filled = any(cell.strip() for cell in record)
        if record and len(record) != width and filled:
            structural.append((number, f"has {len(record)} fields but the header has {width}"))
        blank.append(not filled)
        padded = (record + [""] * width)[:width]
        for position in range(width):
            columns[position].append(padded[position])
    rows = np.arange(2, len(blank) + 2)
    dense = {i: pd.Series(values, dtype="str") for i, values in enumerate(columns)}
    return rows, np.asarray(blank, dtype=bool), dense, structural


def _corrupt(exc: BaseException) -> FileRefusedError:
    return FileRefusedError(
        f"The workbook is damaged or incomplete and could not be read ({type(exc).__name__}): "
        "open it in Excel or LibreOffice and save it again as .xlsx."
    )


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + (letter - 64)
    return number


def _inspect_xlsx(content: bytes) -> dict[str, bytes]:
    """Check the archive before anything is expanded; returns worksheet paths -> their first bytes."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        infos = archive.infolist()
    except _WORKBOOK_ERRORS as exc:
        raise _corrupt(exc) from None
    total = sum(info.file_size for info in infos)
    if total > MAX_UNCOMPRESSED_BYTES:
        raise FileRefusedError(
            f"The workbook expands to {total / 2**20:,.0f} MB; at most {MAX_UNCOMPRESSED_BYTES // 2**20} MB is read. "
            "Keep only the attendance sheet, or save it as CSV."
        )
    heads: dict[str, bytes] = {}
    for info in infos:
        if not (info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml")):
            continue
        try:
            with archive.open(info) as stream:
                head = stream.read(4096)
                first_row = _first_row(stream, head)
        except _WORKBOOK_ERRORS as exc:
            raise _corrupt(exc) from None
        heads[info.filename] = head
        cells = len(_CELL.findall(first_row))
        if cells > MAX_COLUMNS:
            raise FileRefusedError(
                f"row 1: the header has {cells:,} columns; at most {MAX_COLUMNS:,} are read. "
                "Delete the unused columns, or save the sheet as CSV."
            )
        found = _DIMENSION.search(head)
        if found is None:
            continue
        columns = _column_number(found.group(3) or found.group(1) or b"A")
        rows = int(found.group(4) or found.group(2) or b"1")
        if columns > MAX_COLUMNS or rows > MAX_ROWS or columns * rows > MAX_CELLS * 50:
            raise FileRefusedError(
                f"A sheet of the workbook declares {columns:,} columns × {rows:,} rows; at most {MAX_COLUMNS:,} "
                f"columns and {MAX_ROWS:,} rows are read. Delete the unused columns and rows, or save it as CSV."
            )
    return heads


def _first_row(stream: IO[bytes], head: bytes) -> bytes:
    """The sheet XML up to the end of its first row (at most `_FIRST_ROW_BYTES`), read without parsing."""
    data = head
    while b"</row>" not in data and len(data) < _FIRST_ROW_BYTES:
        chunk = stream.read(1 << 16)
        if not chunk:
            break
        data += chunk
    end = data.find(b"</row>")
    return data if end < 0 else data[:end]


def _open_workbook(content: bytes):  # type: ignore[no-untyped-def]
    import openpyxl

    try:
        return openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except _WORKBOOK_ERRORS as exc:
        raise _corrupt(exc) from None


def _unsaved_formulas(content: bytes, sheet_index: int) -> list[tuple[int, str]]:
    """(row, cell) of formula cells with no saved value in the `sheet_index`-th worksheet (by workbook order)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        names = [n for n in archive.namelist() if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", n)]
        names.sort(key=lambda n: int(re.sub(r"\D", "", n)))
        if sheet_index >= len(names):
            return []
        xml = archive.read(names[sheet_index])
    except _WORKBOOK_ERRORS as exc:
        raise _corrupt(exc) from None
    if b"<f" not in xml:
        return []
    found = [(int(m.group(2)), (m.group(1) + m.group(2)).decode()) for m in _UNSAVED_FORMULA.finditer(xml)]
    return found


def _read_xlsx(content: bytes, sheet: str | None) -> RawTable:
    _inspect_xlsx(content)
    workbook = _open_workbook(content)
    try:
        return _read_worksheet(content, workbook, sheet)
    except FileRefusedError:
        raise
    except _WORKBOOK_ERRORS as exc:
        raise _corrupt(exc) from None
    except Exception as exc:  # lxml's XMLSyntaxError and other parser errors of a damaged sheet
        if type(exc).__module__.startswith(("lxml", "xml", "openpyxl", "et_xmlfile")):
            raise _corrupt(exc) from None
        raise
    finally:
        workbook.close()


def _read_worksheet(content: bytes, workbook, sheet: str | None) -> RawTable:  # type: ignore[no-untyped-def]
    names = list(workbook.sheetnames)
    if not names:
        raise FileRefusedError("The workbook has no sheets: save it again as .xlsx.")
    if sheet is not None and sheet not in names:
        raise FileRefusedError(f"The workbook has no sheet '{sheet}' (it has: {', '.join(names)}).")
    worksheet = workbook[sheet or names[0]]
    worksheet.reset_dimensions()  # a declared size is not trusted for padding: rows keep only their cells
    rows = worksheet.iter_rows(values_only=True)
    header_cells = next(rows, None)
    if header_cells is None:
        raise FileRefusedError("The file is empty.")
    header_list = [_cell_text(c, "") for c in header_cells]
    while header_list and not header_list[-1].strip():
        header_list.pop()
    if len(header_list) > MAX_COLUMNS:
        raise FileRefusedError(
            f"row 1: the header has {len(header_list):,} columns; at most {MAX_COLUMNS:,} are read. "
            "Delete the unused columns, or save the sheet as CSV."
        )
    width = len(header_list)
    kinds = [compute_canonical_name(h) for h in header_list]
    at: list[list[int]] = [[] for _ in range(width)]
    cells: list[list[str]] = [[] for _ in range(width)]
    blank: list[bool] = []
    seen = 0
    for index, row_cells in enumerate(worksheet.iter_rows(min_row=2, max_col=max(width, 1), values_only=True)):
        if index >= MAX_ROWS:
            raise FileRefusedError(f"The sheet has more than {MAX_ROWS:,} rows; at most {MAX_ROWS:,} are read.")
        filled = False
        for position, value in enumerate(row_cells[:width]):
            if value is None:
                continue
            text = _cell_text(value, kinds[position])
            if text.strip():
                filled = True
                at[position].append(index)
                cells[position].append(text)
                seen += 1
        blank.append(not filled)
        if seen > MAX_CELLS:
            raise FileRefusedError(f"The sheet has more than {MAX_CELLS:,} filled cells; save it as CSV.")
    while blank and blank[-1]:
        blank.pop()  # trailing empty rows (formatting only) are not rows
    count = len(blank)
    sheet_index = names.index(worksheet.title)
    structural = [
        (
            row,
            f"{_header_of(header_list, cell)}holds a formula with no saved value (cell {cell}): open the file in "
            "Excel or LibreOffice, let it calculate, and save it again (or type the value)",
        )
        for row, cell in _unsaved_formulas(content, sheet_index)
        if 2 <= row <= count + 1
    ]
    sparse = {p: (at[p], cells[p]) for p in range(width)}
    for row, _ in structural:
        blank[row - 2] = False
    return RawTable(
        header_list, np.arange(2, count + 2), np.asarray(blank, dtype=bool), sparse=sparse, structural=structural
    )


def _header_of(header: list[str], cell: str) -> str:
    position = _column_number(re.sub(r"\d", "", cell).encode()) - 1
    return f"{header[position]} " if 0 <= position < len(header) and header[position].strip() else ""


def _cell_text(value: object, column: str) -> str:
    """One workbook cell as the text a CSV export would hold (a formula cell holds its saved value)."""
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
        if column in ("session_date", "date", "session_date_") and 1 <= value < 2958466:
            from openpyxl.utils.datetime import from_excel

            serial_day: datetime = from_excel(value)  # an Excel serial day number
            return serial_day.date().isoformat()
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value)
    return str(value)
