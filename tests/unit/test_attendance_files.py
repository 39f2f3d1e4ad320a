"""Attendance files as the real world makes them (issue 12): broken and hostile files, spreadsheet
dates and times, status words, column mapping, the wide layout and leading zeros. No database."""

from __future__ import annotations

import io
import time
import zipfile
from datetime import date, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

from core.rules.attendance import AttendanceValidation, build_trainee_directory, validate_attendance
from core.rules.attendance_files import (
    MAX_FIELD_CHARS,
    FileRefusedError,
    list_xlsx_sheets,
    read_attendance_file,
    read_attendance_table,
)
from core.rules.attendance_layout import (
    DateOrder,
    compute_layout,
    compute_layout_sheet,
    parse_clock_text,
    parse_date_text,
    parse_mapping_text,
    parse_wide_header,
)
from tests.factories import make_xlsx

TODAY = date(2026, 11, 20)
DIRECTORY = build_trainee_directory([(1, "PG-001", 10, 100), (2, "0012345", 11, 100), (3, "PG-003", 10, 200)])
HEADER = "trainee_id,session_date,session,status"


def check(
    content: bytes,
    name: str = "a.csv",
    *,
    order: DateOrder = DateOrder.DMY,
    mapping: dict[str, str] | None = None,
    vocabulary: dict[str, str] | None = None,
) -> AttendanceValidation:
    table = read_attendance_table(content, name)
    raw = compute_layout_sheet(table, compute_layout(table.header, mapping=mapping, order=order))
    return validate_attendance(
        raw, directory=DIRECTORY, departments={"Surgery": 10}, today=TODAY, date_order=order, vocabulary=vocabulary
    )


def refused(content: bytes, name: str = "a.csv") -> str:
    with pytest.raises(FileRefusedError) as caught:
        read_attendance_table(content, name)
    return str(caught.value)


# Broken and hostile CSV


def test_an_unterminated_quote_is_refused_naming_the_row_where_it_opened() -> None:
    content = (
        f'{HEADER},remarks\nPG-001,2026-11-02,AM,P,ok\nPG-001,2026-11-03,AM,P,"never closed\nPG-001,2026-11-04,AM,P,x\n'
    )
    message = refused(content.encode())
    assert message.startswith("row 3: a quoted field opens here")


def test_quoted_line_breaks_are_still_one_row() -> None:
    content = f'{HEADER},remarks\nPG-001,2026-11-02,AM,P,"two\nlines"\nPG-001,2026-11-03,AM,P,x\n'
    result = check(content.encode())
    assert result.ok, result.errors
    assert result.rows["remarks"].tolist() == ["two\nlines", "x"]


def test_cr_only_line_endings_are_read_as_rows() -> None:
    content = f"{HEADER}\rPG-001,2026-11-02,AM,P\rPG-001,2026-11-03,PM,L\r".encode()
    result = check(content)
    assert result.ok, result.errors
    assert result.rows["row"].tolist() == [2, 3]
    assert result.rows["status"].tolist() == ["present", "late"]


def test_a_nul_byte_is_refused_with_its_row() -> None:
    assert refused(f"{HEADER}\nPG-001,2026-11-02,AM,P\nPG-001,2026-11-03,A\x00M,P\n".encode()).startswith(
        "row 3: the file contains a NUL byte"
    )


def test_a_huge_header_field_is_refused() -> None:
    content = ("trainee_id," + "x" * 130_000 + ",session_date,session,status\nPG-001,,2026-11-02,AM,P\n").encode()
    assert "row 1: the header is longer than" in refused(content)


@pytest.mark.parametrize("ragged", [False, True])
def test_a_huge_data_field_is_refused(ragged: bool) -> None:
    extra = ",x" if ragged else ""
    content = (
        f"{HEADER},remarks\nPG-001,2026-11-02,AM,P,ok\nPG-001,2026-11-03,AM,P,{'y' * (MAX_FIELD_CHARS + 5)}{extra}\n"
    )
    assert refused(content.encode()).startswith("row 3: a field is longer than")


def test_wrong_encodings_say_how_to_save_as_utf8() -> None:
    assert "UTF-16" in refused(f"{HEADER}\nPG-001,2026-11-02,AM,P\n".encode("utf-16"))
    assert "row 2: the file is not UTF-8 text" in refused(f"{HEADER}\nPG-001,2026-11-02,Séance,P\n".encode("cp1252"))
    bom = check(b"\xef\xbb\xbf" + f"{HEADER}\nPG-001,2026-11-02,AM,P\n".encode())
    assert bom.ok


def test_ragged_rows_are_row_errors() -> None:
    result = check(f"{HEADER}\nPG-001,2026-11-02,AM,P\nPG-001,2026-11-03,AM\nPG-001,2026-11-04,AM,P,extra\n".encode())
    assert result.errors == (
        "row 3: has 3 fields but the header has 4",
        "row 4: has 5 fields but the header has 4",
    )


# Broken and hostile workbooks


def good_xlsx() -> bytes:
    return make_xlsx([["trainee_id", "session_date", "session", "status"], ["PG-001", "2026-11-02", "AM", "P"]])


def rewrite(content: bytes, change) -> bytes:  # type: ignore[no-untyped-def]
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info, change(info.filename, source.read(info.filename)))
    return out.getvalue()


def test_a_truncated_workbook_is_refused_clearly() -> None:
    content = good_xlsx()
    for cut in (len(content) // 2, len(content) - 30, 10):
        assert "could not be read" in refused(content[:cut], "a.xlsx")


def test_a_workbook_with_a_bad_crc_is_refused_clearly() -> None:
    content = bytearray(good_xlsx())
    archive = zipfile.ZipFile(io.BytesIO(bytes(content)))
    info = archive.getinfo("xl/worksheets/sheet1.xml")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra) + 5
    content[start] ^= 0xFF  # flip a byte of the compressed sheet
    message = refused(bytes(content), "a.xlsx")
    assert "damaged or incomplete" in message


def test_a_workbook_with_malformed_xml_is_refused_clearly() -> None:
    broken = rewrite(
        good_xlsx(), lambda name, data: data.replace(b"</sheetData>", b"<row>") if name.endswith("sheet1.xml") else data
    )
    assert "damaged or incomplete" in refused(broken, "a.xlsx")
    with pytest.raises(FileRefusedError):
        list_xlsx_sheets(rewrite(good_xlsx(), lambda n, d: b"<oops" if n == "xl/workbook.xml" else d))


def crafted_workbook(rows: int = 3000, declare: bool = True) -> bytes:
    """A 16,384-column header and `rows` one-cell rows: about 100 KB compressed."""
    from openpyxl.utils import get_column_letter

    header = "".join(f'<c r="{get_column_letter(i)}1" t="inlineStr"><is><t>c{i}</t></is></c>' for i in range(1, 16385))
    body = "".join(f'<row r="{r}"><c r="A{r}"><v>{r}</v></c></row>' for r in range(2, rows + 2))
    dimension = f'<dimension ref="A1:XFD{rows + 1}"/>' if declare else ""
    sheet = (
        '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f'{dimension}<sheetData><row r="1">{header}</row>{body}</sheetData></worksheet>'
    ).encode()
    return rewrite(good_xlsx(), lambda name, data: sheet if name.endswith("sheet1.xml") else data)


@pytest.mark.parametrize("declare", [True, False])
def test_a_crafted_wide_workbook_is_refused_quickly(declare: bool) -> None:
    content = crafted_workbook(declare=declare)
    started = time.perf_counter()
    message = refused(content, "a.xlsx")
    assert time.perf_counter() - started < 2
    assert "16,384" in message and "1,000" in message


def test_a_workbook_expanding_past_the_limit_is_refused_before_reading() -> None:
    bomb = rewrite(
        good_xlsx(), lambda name, data: data + b" " * (201 * 1024 * 1024) if name.endswith("styles.xml") else data
    )
    assert "expands to" in refused(bomb, "a.xlsx")


def test_formula_cells_use_the_saved_value_and_only_unsaved_ones_are_refused() -> None:
    content = make_xlsx(
        [["trainee_id", "session_date", "session", "status"], ["PG-001", "2026-11-02", "AM", '=IF(TRUE,"P","A")']]
    )
    saved = rewrite(
        content,
        lambda name, data: (
            data.replace(b"</f><v /></c>", b"</f><v>P</v></c>").replace(b'<c r="D2"', b'<c r="D2" t="str"')
            if name.endswith("sheet1.xml")
            else data
        ),
    )
    assert check(saved, "a.xlsx").rows["status"].tolist() == ["present"]
    assert check(content, "a.xlsx").errors == (
        "row 2: status holds a formula with no saved value (cell D2): open the file in Excel or LibreOffice, "
        "let it calculate, and save it again (or type the value)",
    )


# Dates and times


@pytest.mark.parametrize(
    ("text", "order", "expected"),
    [
        ("2025-03-04", DateOrder.DMY, date(2025, 3, 4)),
        ("2025-03-04T00:00:00", DateOrder.MDY, date(2025, 3, 4)),
        ("2025-03-04 00:00", DateOrder.DMY, date(2025, 3, 4)),
        ("04/03/2025", DateOrder.DMY, date(2025, 3, 4)),
        ("04/03/2025", DateOrder.MDY, date(2025, 4, 3)),
        ("11/02/26", DateOrder.MDY, date(2026, 11, 2)),
        ("11/02/26", DateOrder.DMY, date(2026, 2, 11)),
        ("4.3.2025", DateOrder.DMY, date(2025, 3, 4)),
        ("2025/03/04", DateOrder.MDY, date(2025, 3, 4)),
        ("25/03/04", DateOrder.YMD, date(2025, 3, 4)),
        ("4-Mar-2025", DateOrder.MDY, date(2025, 3, 4)),
        ("04 Mar 2025", DateOrder.DMY, date(2025, 3, 4)),
        ("4 March 25", DateOrder.DMY, date(2025, 3, 4)),
    ],
)
def test_spreadsheet_date_forms_are_read_in_the_chosen_order(text: str, order: DateOrder, expected: date) -> None:
    assert parse_date_text(text, order) == (True, expected)


def test_a_date_invalid_in_the_chosen_order_names_the_expected_form() -> None:
    assert parse_date_text("13/25/2025", DateOrder.DMY) == (True, None)
    assert parse_date_text("2025-03-04T08:00", DateOrder.DMY) == (False, None)  # not midnight: not a day
    result = check(f"{HEADER}\nPG-001,02/13/2026,AM,P\n".encode())
    assert result.errors == (
        "row 2: session_date '02/13/2026' is not a real date in DD/MM/YYYY form (the date order is DMY)",
    )
    assert check(f"{HEADER}\nPG-001,02/13/2026,AM,P\n".encode(), order=DateOrder.MDY).ok


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("08:05", (8, 5, 0)),
        ("8:05:30", (8, 5, 30)),
        ("08:05:00 AM", (8, 5, 0)),
        ("12:10 AM", (0, 10, 0)),
        ("1:20 pm", (13, 20, 0)),
        ("12:00 PM", (12, 0, 0)),
    ],
)
def test_clock_times_24_and_12_hour(text: str, expected: tuple[int, int, int]) -> None:
    hours, minutes, seconds = expected
    assert parse_clock_text(text) == timedelta(hours=hours, minutes=minutes, seconds=seconds)


@pytest.mark.parametrize("text", ["25:00", "13:00 PM", "0:10 AM", "8:61", "soon"])
def test_impossible_clock_times_are_none(text: str) -> None:
    assert parse_clock_text(text) is None


def test_a_libreoffice_saved_template_is_accepted() -> None:
    content = (
        b"trainee_id,session_date,session,status,department,check_in_time,remarks\n"
        b"PG-001,11/02/26,AM,present,Surgery,08:05:00 AM,\n"
        b"PG-001,11/02/26,PM,late,,01:20:00 PM,Traffic\n"
        b"PG-001,11/03/26,AM,present,,11/03/26 08:02 AM,\n"
    )
    result = check(content, order=DateOrder.MDY)
    assert result.ok, result.errors
    stamps = [pd.Timestamp(t).to_pydatetime() for t in result.rows["check_in_time"]]
    assert stamps == [datetime(2026, 11, 2, 8, 5), datetime(2026, 11, 2, 13, 20), datetime(2026, 11, 3, 8, 2)]


def test_a_good_check_in_time_is_not_blamed_for_a_bad_date() -> None:
    result = check(f"{HEADER},check_in_time\nPG-001,31/31/2026,AM,P,08:05:00 AM\n".encode())
    assert len(result.errors) == 1 and "session_date" in result.errors[0]
    bad = check(f"{HEADER},check_in_time\nPG-001,02/11/2026,AM,P,8:61\n".encode())
    assert bad.errors == ("row 2: check_in_time '8:61' is not a time: write it as 08:05, 8:05 AM or 2026-11-03T08:05",)


# Status vocabulary, leading zeros


def test_status_vocabulary_adds_words_and_unknown_ones_list_them() -> None:
    vocabulary = {"Tardy": "late", "On leave": "excused", "Sick": "excused", "Unexcused": "absent"}
    content = f"{HEADER}\nPG-001,2026-11-02,AM,tardy\nPG-001,2026-11-02,PM,ON  LEAVE\nPG-001,2026-11-03,AM,Sick\n"
    assert check(content.encode(), vocabulary=vocabulary).rows["status"].tolist() == ["late", "excused", "excused"]
    unknown = check(f"{HEADER}\nPG-001,2026-11-02,AM,Snoozing\n".encode(), vocabulary=vocabulary)
    assert unknown.errors[0].startswith("row 2: status 'Snoozing' is not present, late, absent or excused")
    assert "Tardy = late" in unknown.errors[0]
    assert not check(content.encode()).ok  # without the setting the words are refused


def test_an_id_that_lost_its_leading_zeros_gets_a_suggestion_not_a_fix() -> None:
    result = check(f"{HEADER}\n12345,2026-11-02,AM,P\n999,2026-11-02,AM,P\n".encode())
    assert result.errors == (
        "row 2: unknown trainee_id '12345': did a spreadsheet drop leading zeros? '0012345' exists",
        "row 3: unknown trainee_id '999'",
    )


# Column mapping and the wide layout


def test_other_systems_headers_are_mapped_by_synonyms() -> None:
    content = b"Student ID,Date,Session,Status\nPG-001,2026-11-02,AM,P\n"
    table = read_attendance_table(content, "a.csv")
    layout = compute_layout(table.header)
    assert layout.named(table.header) == (
        ("trainee_id", "Student ID"),
        ("session_date", "Date"),
        ("session", "Session"),
        ("status", "Status"),
    )
    assert check(content).ok
    assert check(b"Reg No,Day,Slot,Attendance\nPG-001,2026-11-02,AM,P\n").ok


def test_an_explicit_mapping_wins_and_names_unknown_columns() -> None:
    content = b"Who,When,Which,What\nPG-001,2026-11-02,AM,P\n"
    assert check(content).missing_columns == ("trainee_id", "session_date", "session", "status")
    mapping = parse_mapping_text("Who=trainee_id, When=session_date,Which=session,What=status")
    assert check(content, mapping=mapping).ok
    result = check(content, mapping={**mapping, "Nope": "remarks"})
    assert result.errors == ("row 1: the mapping names column 'Nope', which the file does not have",)
    with pytest.raises(ValueError, match="not a field"):
        parse_mapping_text("Who=person")


def test_a_wide_file_is_unpivoted_to_one_row_per_marked_session() -> None:
    content = (
        b"Student ID,First name,03/03/2025 AM,3 Mar 2025 Ward round,04/03/2025\nPG-001,Ann,P,L,\nPG-003,Bob,A,,Tardy\n"
    )
    result = check(content, vocabulary={"Tardy": "late"})
    assert result.ok, result.errors
    rows = result.rows
    assert rows["row"].tolist() == [2, 2, 3, 3]
    assert [pd.Timestamp(d).date() for d in rows["session_date"]] == [
        date(2025, 3, 3),
        date(2025, 3, 3),
        date(2025, 3, 3),
        date(2025, 3, 4),
    ]
    assert rows["session"].tolist() == ["AM", "Ward round", "AM", "Day"]
    assert rows["status"].tolist() == ["present", "late", "absent", "late"]
    assert parse_wide_header("First name", DateOrder.DMY) is None
    unknown = check(content.replace(b"PG-003", b"NOBODY"), vocabulary={"Tardy": "late"})
    assert unknown.errors == ("row 3: unknown trainee_id 'NOBODY'",)  # once, not once per session column


def test_the_old_reader_keeps_exact_names_only() -> None:
    raw = read_attendance_file(b"Student ID,session_date\nPG-001,2026-11-02\n", "a.csv")
    assert raw.columns == ("session_date",)


# Files saved by LibreOffice (tests/fixtures/attendance/README.md says how they were made)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "attendance"
TEMPLATE_DIRECTORY = build_trainee_directory([(1, "PG2025-0001", 10, None), (2, "PG2026-0002", 11, None)])


def check_fixture(name: str, order: DateOrder = DateOrder.DMY) -> AttendanceValidation:
    table = read_attendance_table((FIXTURES / name).read_bytes(), name)
    raw = compute_layout_sheet(table, compute_layout(table.header, order=order))
    return validate_attendance(
        raw,
        directory=TEMPLATE_DIRECTORY,
        departments={"Internal Medicine": 11},
        today=TODAY,
        date_order=order,
    )


def test_the_template_saved_as_csv_by_libreoffice_in_us_format() -> None:
    read_in_dmy = check_fixture("libreoffice-us-dates-times.csv")
    assert read_in_dmy.ok  # 11/02/2026 is a real day in either order: it is read as 11 February in DMY
    assert {pd.Timestamp(d).date() for d in read_in_dmy.rows["session_date"]} == {date(2026, 2, 11)}
    result = check_fixture("libreoffice-us-dates-times.csv", DateOrder.MDY)
    assert result.ok, result.errors
    assert {pd.Timestamp(d).date() for d in result.rows["session_date"]} == {date(2026, 11, 2)}
    stamps = [None if pd.isna(t) else pd.Timestamp(t).to_pydatetime() for t in result.rows["check_in_time"]]
    assert stamps == [datetime(2026, 11, 2, 8, 2), datetime(2026, 11, 2, 13, 20), None]


def test_a_libreoffice_workbook_with_formulas_uses_the_saved_values() -> None:
    result = check_fixture("libreoffice-formulas.xlsx")
    assert result.ok, result.errors
    assert result.rows["status"].tolist() == ["present", "late", "present"]


def test_the_template_saved_as_xlsx_by_libreoffice() -> None:
    result = check_fixture("libreoffice-template.xlsx")
    assert result.ok, result.errors
    assert result.rows["status"].tolist() == ["present", "late", "excused"]
    assert pd.Timestamp(result.rows["check_in_time"].iloc[1]).to_pydatetime() == datetime(2026, 11, 2, 13, 20)
