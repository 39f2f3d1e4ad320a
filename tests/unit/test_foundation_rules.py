"""Pure rules of the foundation: passwords, settings validation, row scope, exports."""

import io

import pandas as pd
import pytest

from core.exports import neutralise_cell, to_csv_bytes, to_xlsx_bytes
from core.rules.access import can_see_trainee
from core.rules.passwords import compute_password_problems
from core.rules.settings import compute_setting_value


def test_password_of_ten_plain_characters_is_accepted() -> None:
    assert compute_password_problems("abcdefghij") == []


@pytest.mark.parametrize(
    ("password", "fragment"),
    [("short", "at least"), ("has a space", "spaces"), (" leading-space", "spaces"), ("é" * 40, "72 bytes")],
)
def test_password_policy_names_the_problem(password: str, fragment: str) -> None:
    assert any(fragment in p for p in compute_password_problems(password))


@pytest.mark.parametrize("value", [-0.01, 100.01, "abc", None, float("nan")])
def test_threshold_outside_0_to_100_is_refused(value: object) -> None:
    with pytest.raises(ValueError):
        compute_setting_value("attendance_threshold", value)


@pytest.mark.parametrize(("value", "expected"), [(0, 0.0), ("75", 75.0), (100, 100.0), (74.999, 75.0)])
def test_threshold_inside_range_is_normalised(value: object, expected: float) -> None:
    assert compute_setting_value("attendance_threshold", value) == expected


def test_categories_must_be_unique_and_non_empty() -> None:
    assert compute_setting_value("logbook_categories", " case, procedure ") == ["case", "procedure"]
    with pytest.raises(ValueError):
        compute_setting_value("logbook_categories", "case, Case")
    with pytest.raises(ValueError):
        compute_setting_value("logbook_categories", " , ")


def test_supervisor_sees_only_own_trainees_and_trainee_only_self() -> None:
    assert can_see_trainee(viewer_role="supervisor", viewer_id=7, trainee_id=1, trainee_supervisor_id=7)
    assert not can_see_trainee(viewer_role="supervisor", viewer_id=7, trainee_id=1, trainee_supervisor_id=8)
    assert not can_see_trainee(viewer_role="supervisor", viewer_id=7, trainee_id=1, trainee_supervisor_id=None)
    assert can_see_trainee(viewer_role="trainee", viewer_id=1, trainee_id=1, trainee_supervisor_id=None)
    assert not can_see_trainee(viewer_role="trainee", viewer_id=2, trainee_id=1, trainee_supervisor_id=None)
    assert can_see_trainee(viewer_role="leadership", viewer_id=3, trainee_id=1, trainee_supervisor_id=9)


@pytest.mark.parametrize("text", ["=1+1", "+SUM(A1)", "-2", "@cmd", "\tx"])
def test_formula_like_cells_are_neutralised(text: str) -> None:
    assert neutralise_cell(text) == "'" + text


def test_plain_cells_and_numbers_are_left_alone() -> None:
    assert neutralise_cell("Dr Smith") == "Dr Smith"
    assert neutralise_cell(-5) == -5


def test_csv_and_xlsx_exports_are_formula_safe_and_keep_missing_values_empty() -> None:
    frame = pd.DataFrame({"name": ['=HYPERLINK("x")', None], "score": [1.5, None]})
    csv_text = to_csv_bytes(frame).decode("utf-8-sig")
    assert "'=HYPERLINK" in csv_text and "nan" not in csv_text.lower()
    book = pd.read_excel(io.BytesIO(to_xlsx_bytes(frame)))
    assert book.loc[0, "Name"].startswith("'=")  # human header
