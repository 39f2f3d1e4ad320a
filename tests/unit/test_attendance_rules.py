"""The attendance file contract (DESIGN.md §4.1): reading files and checking rows, without a database."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import pytest

from core.rules.attendance import (
    AttendanceValidation,
    build_trainee_directory,
    compute_missing_columns,
    compute_months,
    normalise_session,
    normalise_status,
    validate_attendance,
)
from core.rules.attendance_files import FileRefusedError, compute_file_kind, list_xlsx_sheets, read_attendance_file
from tests.factories import make_xlsx

TODAY = date(2026, 11, 20)
DIRECTORY = build_trainee_directory([(1, "PG-001", 10, 100), (2, "PG-002", 11, 100), (3, "PG-003", 10, 200)])
DEPARTMENTS = {"Surgery": 10, "Internal Medicine": 11}
HEADER = "trainee_id,session_date,session,status"


def check(
    text: str | bytes, name: str = "a.csv", supervisor_id: int | None = None, **kwargs: object
) -> AttendanceValidation:
    content = text.encode("utf-8") if isinstance(text, str) else text
    raw = read_attendance_file(content, name, **kwargs)  # type: ignore[arg-type]
    return validate_attendance(
        raw, directory=DIRECTORY, departments=DEPARTMENTS, today=TODAY, supervisor_id=supervisor_id
    )


@pytest.mark.parametrize(
    ("cell", "status"),
    [
        ("present", "present"),
        ("P", "present"),
        (" p ", "present"),
        ("LATE", "late"),
        ("l", "late"),
        ("absent", "absent"),
        ("A", "absent"),
        ("Excused", "excused"),
        ("e", "excused"),
        ("leave", "excused"),
        ("Leave ", "excused"),
    ],
)
def test_status_accepts_words_letters_and_leave_as_excused(cell: str, status: str) -> None:
    assert normalise_status(pd.Series([cell], dtype="str")).tolist() == [status]


def test_unknown_status_is_not_guessed() -> None:
    assert normalise_status(pd.Series(["x", "presnt", ""], dtype="str")).isna().all()


def test_session_labels_are_trimmed_collapsed_and_one_spelling_per_slot() -> None:
    values = pd.Series([" am", "Pm ", "grand   round", "Grand round", "ICU teaching"], dtype="str")
    assert normalise_session(values).tolist() == ["AM", "PM", "grand round", "grand round", "ICU teaching"]
    assert normalise_session(values, known=["Grand round"]).tolist()[2:4] == ["Grand round", "Grand round"]


def test_labels_differing_only_in_case_are_the_same_key() -> None:
    result = check(f"{HEADER}\nPG-001,2026-11-02,Grand round,P\nPG-001,2026-11-02,GRAND ROUND,A\n")
    assert result.errors == ("row 3: duplicate of row 2",)


def test_a_clean_file_gives_typed_rows_and_no_errors() -> None:
    result = check(f"{HEADER}\nPG-001,2026-11-02,AM,P\npg-002,2026-11-02,pm,leave\n")
    assert result.ok and result.errors == () and result.rows_total == 2
    rows = result.rows
    assert rows["trainee_id"].tolist() == [1, 2]
    assert rows["status"].tolist() == ["present", "excused"]
    assert rows["session"].tolist() == ["AM", "PM"]
    assert rows["department_id"].tolist() == [10, 11], "the trainee's own department when none is given"
    assert [d.date() for d in pd.to_datetime(rows["session_date"])] == [date(2026, 11, 2)] * 2
    assert rows["row"].tolist() == [2, 3]


def test_headers_are_trimmed_case_insensitive_in_any_order_and_unknown_columns_ignored() -> None:
    result = check(" STATUS ,Notes,Session Date,Trainee_ID,session\nP,hello,2026-11-02,PG-001,AM\n")
    assert result.ok
    assert result.columns == ("status", "session_date", "trainee_id", "session")


def test_cells_with_surrounding_blanks_are_trimmed() -> None:
    result = check(f"{HEADER}\n  PG-001 ,  2026-11-02 ,  AM  , present \n")
    assert result.ok
    assert result.rows["session"].tolist() == ["AM"]


def test_missing_required_columns_are_named_in_contract_order() -> None:
    result = check("session,trainee_id,remarks\nAM,PG-001,x\n")
    assert result.missing_columns == ("session_date", "status")
    assert not result.ok
    assert compute_missing_columns(["trainee_id"]) == ("session_date", "session", "status")


def test_a_column_given_twice_is_an_error_on_row_1() -> None:
    result = check("trainee_id,session_date,session,status,Status\nPG-001,2026-11-02,AM,P,A\n")
    assert "row 1: column 'status' appears more than once" in result.errors


def test_every_error_names_its_row_counting_the_header_as_row_1() -> None:
    text = (
        f"{HEADER}\n"
        "PG-001,2026-11-02,AM,P\n"  # row 2 ok
        "NOBODY,2026-11-02,AM,P\n"  # row 3
        "PG-001,11/31/2026,AM,P\n"  # row 4 (no month 31 in the default day-month-year order)
        "PG-001,2026-02-30,AM,P\n"  # row 5
        "PG-001,2026-11-21,AM,P\n"  # row 6 (tomorrow)
        "PG-001,2026-11-03,,maybe\n"  # row 7
        ",,,\n"
    )  # row 8: blank row, skipped
    result = check(text)
    assert list(result.errors) == [
        "row 3: unknown trainee_id 'NOBODY'",
        "row 4: session_date '11/31/2026' is not a real date in DD/MM/YYYY form (the date order is DMY)",
        "row 5: session_date '2026-02-30' is not a real date in DD/MM/YYYY form (the date order is DMY)",
        "row 6: session_date 2026-11-21 is in the future",
        "row 7: session is empty",
        "row 7: status 'maybe' is not present, late, absent or excused (also P, L, A, E; leave counts as excused)",
    ]
    assert result.rows.empty, "no clean rows are handed out when any row is bad"


def test_today_is_not_in_the_future() -> None:
    assert check(f"{HEADER}\nPG-001,2026-11-20,AM,P\n").ok


def test_blank_lines_and_quoted_line_breaks_keep_spreadsheet_row_numbers() -> None:
    text = f'{HEADER},remarks\nPG-001,2026-11-02,AM,P,"two\nlines"\n\nPG-001,2026-11-02,PM,Q,\n'
    result = check(text)
    assert result.errors == (
        "row 4: status 'Q' is not present, late, absent or excused (also P, L, A, E; leave counts as excused)",
    )


def test_a_row_with_the_wrong_number_of_fields_is_reported_and_later_rows_keep_their_numbers() -> None:
    text = f"{HEADER}\nPG-001,2026-11-02,AM\nPG-001,2026-11-02,PM,P\nPG-009,2026-11-02,PM,P\n"
    result = check(text)
    assert result.errors == (
        "row 2: has 3 fields but the header has 4",
        "row 4: unknown trainee_id 'PG-009'",
    )


def test_duplicate_key_names_the_first_row() -> None:
    text = (
        f"{HEADER}\nPG-001,2026-11-02,AM,P\nPG-002,2026-11-02,AM,P\npg-001,2026-11-02,am,A\nPG-001,2026-11-02, AM ,L\n"
    )
    result = check(text)
    assert result.errors == ("row 4: duplicate of row 2", "row 5: duplicate of row 2")


def test_same_trainee_and_date_in_another_session_is_not_a_duplicate() -> None:
    assert check(f"{HEADER}\nPG-001,2026-11-02,AM,P\nPG-001,2026-11-02,PM,P\nPG-001,2026-11-03,AM,P\n").ok


def test_formula_cells_are_errors_not_values() -> None:
    result = check(f'{HEADER},remarks\nPG-001,2026-11-02,AM,=IF(A1;"P";"A"),\nPG-001,2026-11-03,AM,P,=1+1\n')
    assert result.errors[0].startswith("row 2: status holds a formula ('=IF(A1;")
    assert result.errors[1] == "row 3: remarks holds a formula ('=1+1'); type the value itself"


def test_department_must_exist_and_overrides_the_home_department() -> None:
    result = check(f"{HEADER},department\nPG-001,2026-11-02,AM,P,internal medicine\nPG-001,2026-11-03,AM,P,\n")
    assert result.rows["department_id"].tolist() == [11, 10]
    bad = check(f"{HEADER},department\nPG-001,2026-11-02,AM,P,Cardiology\n")
    assert bad.errors == ("row 2: unknown department 'Cardiology'",)


def test_check_in_time_accepts_iso_8601_and_clock_times() -> None:
    text = (
        f"{HEADER},check_in_time\nPG-001,2026-11-02,AM,P,2026-11-02T08:05\n"
        "PG-001,2026-11-02,PM,P,13:20\nPG-001,2026-11-03,AM,P,2026-11-03T09:00:00+01:00\n"
        "PG-001,2026-11-03,PM,A,\n"
    )
    result = check(text)
    assert result.ok, result.errors
    times = [None if pd.isna(t) else pd.Timestamp(t).to_pydatetime() for t in result.rows["check_in_time"]]
    assert times == [datetime(2026, 11, 2, 8, 5), datetime(2026, 11, 2, 13, 20), datetime(2026, 11, 3, 8, 0), None]
    bad = check(f"{HEADER},check_in_time\nPG-001,2026-11-02,AM,P,soon\n")
    assert bad.errors == ("row 2: check_in_time 'soon' is not a time: write it as 08:05, 8:05 AM or 2026-11-03T08:05",)


def test_over_long_values_are_errors_and_messages_cut_them_short() -> None:
    long_id = "X" * 500
    result = check(f"{HEADER},remarks\n{long_id},2026-11-02,{'S' * 41},P,{'r' * 2001}\n")
    assert result.errors == (
        "row 2: unknown trainee_id '" + "X" * 40 + "…'",
        "row 2: session is longer than 40 characters",
        "row 2: remarks is longer than 2000 characters",
    )


def test_supervisor_sees_rows_of_other_trainees_as_not_theirs() -> None:
    result = check(
        f"{HEADER}\nPG-001,2026-11-02,AM,P\nPG-003,2026-11-02,AM,P\nNOBODY,2026-11-02,AM,P\n", supervisor_id=100
    )
    assert result.errors == (
        "row 3: trainee_id 'PG-003' is not one of your trainees",
        "row 4: trainee_id 'NOBODY' is not one of your trainees",
    )


def test_bad_rows_keep_their_values_and_a_reason() -> None:
    result = check(f"{HEADER}\nPG-001,2026-11-02,AM,P\nNOBODY,2026-11-02,AM,Z\n")
    bad = result.bad_rows
    assert bad["row"].tolist() == [3]
    assert bad["trainee_id"].tolist() == ["NOBODY"]
    assert bad["reason"].iloc[0] == (
        "unknown trainee_id 'NOBODY'; status 'Z' is not present, late, absent or "
        "excused (also P, L, A, E; leave counts as excused)"
    )


def test_utf8_with_bom_and_semicolons_are_read() -> None:
    result = check(("\ufefftrainee_id;session_date;session;status\nPG-001;2026-11-02;AM;P\n").encode("utf-8"))
    assert result.ok


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "The file is empty."),
        (b"\xef\xbb\xbf \n\n", "The file is empty."),
        (HEADER.encode() + b"\n", "The file has a header but no rows."),
        (HEADER.encode() + b"\n,,,\n", "The file has a header but no rows."),
        (HEADER.encode("utf-16"), "UTF-16"),
        (f"{HEADER}\nPG-001,2026-11-02,AM,Présent\n".encode("latin-1"), "row 2: the file is not UTF-8"),
    ],
)
def test_whole_file_refusals_say_why(content: bytes, message: str) -> None:
    with pytest.raises(FileRefusedError, match=message):
        read_attendance_file(content, "a.csv")


def test_encoding_refusal_explains_how_to_save_as_utf8() -> None:
    with pytest.raises(FileRefusedError, match="CSV UTF-8"):
        read_attendance_file("trainee_id,café\n1,2\n".encode("cp1252"), "a.csv")


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("a.pdf", b"%PDF-1.4", "Wrong file type"),
        ("a.xls", b"\xd0\xcf\x11\xe0", r"Old Excel files \(.xls\)"),
        ("a.csv", b"PK\x03\x04rest", "rename it to .xlsx"),
        ("a.xlsx", b"trainee_id\n", "not a valid Excel workbook"),
    ],
)
def test_wrong_types_are_refused(name: str, content: bytes, message: str) -> None:
    with pytest.raises(FileRefusedError, match=message):
        compute_file_kind(name, content)


def test_xlsx_dates_serial_numbers_and_blanks_are_handled() -> None:
    content = make_xlsx(
        [
            ["Trainee ID", "Session Date", "Session", "Status", "check_in_time"],
            [" PG-001 ", datetime(2026, 11, 2), "AM", "P", datetime(2026, 11, 2, 8, 5)],
            ["PG-001", 46329, "PM", "late", None],  # Excel's serial number for 2026-11-03
            [None, None, None, None, None],
            ["PG-002", date(2026, 11, 2), "AM", "A", None],
        ]
    )
    result = check(content, "a.xlsx")
    assert result.ok, result.errors
    assert [pd.Timestamp(d).date() for d in result.rows["session_date"]] == [
        date(2026, 11, 2),
        date(2026, 11, 3),
        date(2026, 11, 2),
    ]
    assert result.rows["row"].tolist() == [2, 3, 5]


def test_xlsx_formula_cells_are_errors() -> None:
    content = make_xlsx(
        [["trainee_id", "session_date", "session", "status"], ["PG-001", "2026-11-02", "AM", '=IF(TRUE,"P","A")']]
    )
    result = check(content, "a.xlsx")
    assert result.errors and result.errors[0].startswith("row 2: status holds a formula with no saved value (cell D2)")


def test_xlsx_sheet_can_be_chosen_and_an_unknown_one_is_refused() -> None:
    content = make_xlsx(
        [["nothing"], ["here"]],
        sheets={"March": [["trainee_id", "session_date", "session", "status"], ["PG-001", "2026-03-02", "AM", "P"]]},
    )
    assert list_xlsx_sheets(content) == ["Attendance", "March"]
    assert check(content, "a.xlsx", sheet="March").ok
    assert check(content, "a.xlsx").missing_columns == ("trainee_id", "session_date", "session", "status")
    with pytest.raises(FileRefusedError, match="no sheet 'April'"):
        read_attendance_file(content, "a.xlsx", sheet="April")


def test_months_are_one_date_per_distinct_month() -> None:
    dates = pd.Series(pd.to_datetime(["2026-01-31", "2026-01-02", "2026-03-15", "2025-12-01"]))
    assert compute_months(dates) == [date(2025, 12, 1), date(2026, 1, 1), date(2026, 3, 1)]
