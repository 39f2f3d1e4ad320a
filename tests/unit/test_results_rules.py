"""Pure results rules: grades, pass/fail, score parsing, group weights, transitions, CSV, tokens."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from core.rules import results as rules

D = Decimal


@pytest.mark.parametrize(
    ("score", "band"),
    [
        (100, "A"),
        (80, "A"),
        (79.99, "B"),
        (70, "B"),
        (69.5, "C"),
        (60, "C"),
        (59.99, "D"),
        (50, "D"),
        (49.99, "F"),
        (0, "F"),
    ],
)
def test_grade_band_follows_percentage_with_pass_mark_50(score: float, band: str) -> None:
    assert rules.compute_grade(score, max_score=100, pass_mark=50).band == band


def test_a_failed_score_is_always_f_even_when_its_percentage_would_band_higher() -> None:
    grade = rules.compute_grade(64, max_score=100, pass_mark=65)
    assert (grade.passed, grade.band, grade.percentage) == (False, "F", 64.0)


def test_percentage_uses_the_maximum_score_and_rounds_to_two_decimals() -> None:
    assert rules.compute_percentage(D("17"), D("30")) == 56.67
    assert rules.compute_grade(D("34"), max_score=D("40"), pass_mark=D("20")).band == "A"


def test_score_equal_to_pass_mark_passes_and_just_below_fails() -> None:
    assert rules.is_pass(D("50"), D("50"))
    assert not rules.is_pass(D("49.99"), D("50"))


@pytest.mark.parametrize(
    ("raw", "error"),
    [
        ("", "score is required"),
        (None, "score is required"),
        ("abc", "is not a number"),
        ("-1", "outside 0..100"),
        ("100.01", "outside 0..100"),
        ("50.123", "more than 2 decimals"),
        ("inf", "is not a number"),
        ("nan", "score is required"),
    ],
)
def test_bad_scores_are_refused_with_a_reason(raw: object, error: str) -> None:
    score, message = rules.compute_score(raw, D("100"))
    assert score is None and message is not None and error in message


@pytest.mark.parametrize(
    ("raw", "expected"), [("0", D("0")), ("100", D("100")), (" 72.5 ", D("72.5")), (33.25, D("33.25"))]
)
def test_scores_from_zero_to_max_are_accepted(raw: object, expected: Decimal) -> None:
    assert rules.compute_score(raw, D("100")) == (expected, None)


def test_group_weight_may_reach_exactly_100_but_not_exceed_it() -> None:
    assert rules.compute_weight_problem([D("40"), D("40")], D("20"), "Y2") is None
    problem = rules.compute_weight_problem([D("40"), D("40")], D("20.5"), "Y2")
    assert problem is not None and "100.5%" in problem and "at most 20%" in problem


def test_group_is_flagged_unless_weights_total_exactly_100() -> None:
    assert rules.compute_group_weight("Y2", [D("60"), D("40")]).complete
    partial = rules.compute_group_weight("Y1", [D("60")])
    assert not partial.complete and "60%" in partial.message


def test_group_names_that_differ_only_in_case_are_one_group_named_by_the_first_spelling() -> None:
    groups = rules.compute_group_weights(
        [("Year 3 written", 1, D("40")), (" YEAR 3 written ", 1, D("60")), ("Viva", 1, D("50"))]
    )
    assert sorted(groups) == ["department 1: viva", "department 1: year 3 written"]
    year3 = groups[rules.compute_group_key("year 3 WRITTEN", 1)]
    assert (year3.group, year3.total, year3.complete) == ("Year 3 written", D("100"), True)
    assert not groups[rules.compute_group_key("Viva", 1)].complete


def test_two_departments_may_each_have_a_group_of_the_same_name_and_programme_wide_is_a_third() -> None:
    groups = rules.compute_group_weights(
        [("Final exam 2026", 1, D("100")), ("Final exam 2026", 2, D("100")), ("Final exam 2026", None, D("30"))]
    )
    assert len(groups) == 3
    assert groups[rules.compute_group_key("final exam 2026", 1)].complete
    assert groups[rules.compute_group_key("final exam 2026", 2)].complete
    assert groups[rules.compute_group_key("Final exam 2026")].total == D("30")


def test_assessment_fields_are_validated_together() -> None:
    problems = rules.compute_assessment_problems(title=" ", max_score=D("0"), pass_mark=D("5"), weight=D("0"), group="")
    assert len(problems) == 5
    assert (
        rules.compute_assessment_problems(
            title="Paper", max_score=D("100"), pass_mark=D("50"), weight=D("100"), group="Y"
        )
        == []
    )


@pytest.mark.parametrize(
    ("check", "legal", "illegal", "phrase"),
    [
        (rules.can_edit_score, "draft", ("frozen",), "scores can be changed only in draft"),
        (rules.can_edit_score, "draft", ("published",), "published results change only through a change request"),
        (rules.can_publish, "draft", ("published", "frozen"), "already published"),
        (rules.can_freeze, "published", ("draft", "frozen"), "only published results can be frozen"),
        (rules.can_request_change, "published", ("draft", "frozen"), "change requests are only for published results"),
    ],
)
def test_each_transition_is_legal_from_exactly_one_state_and_names_the_current_state(
    check, legal, illegal, phrase
) -> None:  # type: ignore[no-untyped-def]
    assert check(legal) is None
    for state in illegal:
        assert check(state) == f"{phrase}; current state: {state}"


def test_freeze_from_draft_message_matches_the_issue_wording() -> None:
    assert rules.can_freeze("draft") == "only published results can be frozen; current state: draft"


def test_the_requester_can_never_decide_their_own_change_request() -> None:
    assert rules.can_decide_change(status="pending", requested_by_id=1, decider_id=2) is None
    assert "another admin" in (rules.can_decide_change(status="pending", requested_by_id=1, decider_id=1) or "")
    assert "another admin" in (rules.can_decide_change(status="pending", requested_by_id=None, decider_id=None) or "")


def test_a_decided_change_request_cannot_be_decided_again() -> None:
    for status in ("approved", "rejected"):
        assert rules.can_decide_change(status=status, requested_by_id=1, decider_id=2) == (
            f"this change request was already decided; current state: {status}"
        )


@pytest.mark.parametrize(
    ("action", "status", "allowed"),
    [
        ("approve", "pending", True),
        ("reject", "pending", True),
        ("complete", "approved", True),
        ("approve", "approved", False),
        ("approve", "rejected", False),
        ("approve", "completed", False),
        ("reject", "approved", False),
        ("reject", "completed", False),
        ("complete", "pending", False),
        ("complete", "rejected", False),
        ("complete", "completed", False),
    ],
)
def test_document_requests_move_only_pending_approved_completed_or_pending_rejected(
    action: str, status: str, allowed: bool
) -> None:
    problem = rules.can_move_document(action, status)
    assert (problem is None) == allowed
    if problem:
        assert problem.endswith(f"current state: {status}")


def test_score_csv_is_parsed_with_row_numbers_counting_the_header_as_row_1() -> None:
    rows, errors = rules.compute_score_rows("trainee_id,score\nPG-1,50\nPG-2,abc\nPG-1,60\n,10\nPG-3,101\n", D("100"))
    assert [(r.row, r.trainee_id, r.score) for r in rows] == [(2, "PG-1", D("50"))]
    assert errors == [
        "row 3: score 'abc' is not a number",
        "row 4: duplicate of row 2",
        "row 5: trainee_id is required",
        "row 6: score 101 is outside 0..100",
    ]


def test_score_csv_header_is_case_insensitive_in_any_order_and_needs_both_columns() -> None:
    rows, errors = rules.compute_score_rows(" Score ,Trainee_ID,extra\n12.5,PG-9,x\n", D("20"))
    assert errors == [] and rows[0].trainee_id == "PG-9" and rows[0].score == D("12.5")
    assert rules.compute_score_rows("trainee_id,points\n", D("20"))[1] == ["row 1: missing column(s): score"]
    assert rules.compute_score_rows("", D("20"))[1] == ["row 1: the file is empty"]
    assert rules.compute_score_rows("trainee_id,score\n", D("20"))[1] == ["row 2: the file has a header but no rows"]


def test_token_hash_is_sha256_hex_and_differs_for_a_tampered_token() -> None:
    digest = rules.compute_token_hash("abc")
    assert digest == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert rules.compute_token_hash("abd") != digest


def test_token_is_valid_strictly_before_expiry() -> None:
    expires = datetime(2026, 11, 22, 10, 0)
    assert rules.is_token_valid(expires_at=expires, now=expires - timedelta(seconds=1))
    assert not rules.is_token_valid(expires_at=expires, now=expires)
