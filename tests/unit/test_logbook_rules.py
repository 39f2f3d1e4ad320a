"""Pure logbook rules: state machine, form validation, feedback, scope, ageing and compliance."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from core.rules import logbook as rules

TODAY = date(2026, 11, 20)
NOW = datetime(2026, 11, 20, 10, 0)
CATEGORIES = ["case", "procedure", "teaching", "other"]


def make_form(**overrides: object) -> dict[str, object]:
    form: dict[str, object] = {
        "title": "  Lumbar puncture ",
        "case_date": date(2026, 11, 19),
        "category": "procedure",
        "description": " Consent, positioning, CSF sent. ",
        "reflection": "  ",
    }
    form.update(overrides)
    return form


def validate(**overrides: object) -> tuple[rules.EntryFields | None, list[str]]:
    return rules.validate_entry_fields(**make_form(**overrides), categories=CATEGORIES, today=TODAY)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("action", "current", "expected"),
    [
        ("submit", "draft", "pending"),
        ("submit", "returned", "pending"),
        ("approve", "pending", "approved"),
        ("return", "pending", "returned"),
        ("reject", "pending", "rejected"),
    ],
)
def test_allowed_transitions_lead_to_the_documented_state(action: str, current: str, expected: str) -> None:
    assert rules.compute_next_status(action, current) == expected


@pytest.mark.parametrize("decision", ["approve", "return", "reject"])
@pytest.mark.parametrize(
    ("current", "message"),
    [("approved", "already verified"), ("returned", "already decided"), ("rejected", "already decided")],
)
def test_deciding_a_decided_entry_is_refused_as_already_verified_or_decided(
    decision: str, current: str, message: str
) -> None:
    with pytest.raises(rules.TransitionError, match=message):
        rules.compute_next_status(decision, current)


@pytest.mark.parametrize("decision", ["approve", "return", "reject"])
def test_a_draft_cannot_be_verified(decision: str) -> None:
    with pytest.raises(rules.TransitionError, match="Only pending entries"):
        rules.compute_next_status(decision, "draft")


@pytest.mark.parametrize("current", ["pending", "approved", "rejected"])
def test_only_drafts_and_returned_entries_can_be_submitted(current: str) -> None:
    with pytest.raises(rules.TransitionError, match="cannot be submitted"):
        rules.compute_next_status("submit", current)


def test_unknown_action_is_refused() -> None:
    with pytest.raises(rules.TransitionError, match="Unknown action"):
        rules.compute_next_status("publish", "pending")


def test_only_drafts_and_returned_entries_are_editable_and_only_drafts_deletable() -> None:
    assert [s for s in rules.SUBMITTED_STATUSES + ("draft",) if rules.is_editable(s)] == ["returned", "draft"]
    assert [s for s in rules.SUBMITTED_STATUSES + ("draft",) if rules.is_deletable(s)] == ["draft"]


def test_valid_form_is_trimmed_and_empty_reflection_becomes_none() -> None:
    fields, problems = validate(category="Procedure")
    assert problems == []
    assert fields == rules.EntryFields(
        "Lumbar puncture", date(2026, 11, 19), "procedure", "Consent, positioning, CSF sent.", None
    )


def test_case_date_today_is_accepted_and_tomorrow_refused() -> None:
    assert validate(case_date=TODAY)[1] == []
    fields, problems = validate(case_date=TODAY + timedelta(days=1))
    assert fields is None
    assert problems == ["Case date 2026-11-21 is in the future."]


def test_every_problem_is_reported_at_once() -> None:
    fields, problems = validate(title=" ", case_date=None, category="surgery", description="")
    assert fields is None
    assert problems == [
        "Case title is required.",
        "Case date is required.",
        "Category must be one of: case, procedure, teaching, other.",
        "Description is required.",
    ]


def test_overlong_title_is_refused_with_its_length() -> None:
    _, problems = validate(title="x" * 201)
    assert problems == ["Case title is too long (201 characters; 200 at most)."]


def test_categories_come_from_the_configured_list() -> None:
    fields, problems = rules.validate_entry_fields(
        **make_form(category="Audit"),
        categories=["Audit", "Case"],
        today=TODAY,  # type: ignore[arg-type]
    )
    assert problems == [] and fields is not None and fields.category == "Audit"


@pytest.mark.parametrize("decision", ["return", "reject"])
@pytest.mark.parametrize("comment", [None, "", "   "])
def test_return_and_reject_need_a_comment(decision: str, comment: str | None) -> None:
    with pytest.raises(ValueError, match="Please write a comment"):
        rules.compute_feedback(decision, comment)


def test_approve_feedback_is_optional_and_trimmed() -> None:
    assert rules.compute_feedback("approve", "  ") is None
    assert rules.compute_feedback("approve", " Nicely done ") == "Nicely done"
    assert rules.compute_feedback("return", " Add the plan ") == "Add the plan"


@pytest.mark.parametrize(
    ("role", "actor_id", "supervisor_id", "allowed"),
    [
        ("admin", 1, 99, True),
        ("admin", 1, None, True),
        ("supervisor", 5, 5, True),
        ("supervisor", 5, 6, False),
        ("supervisor", 5, None, False),
        ("leadership", 5, 5, False),
        ("trainee", 5, 5, False),
    ],
)
def test_only_admins_and_the_assigned_supervisor_may_verify(
    role: str, actor_id: int, supervisor_id: int | None, allowed: bool
) -> None:
    assert rules.can_verify(actor_role=role, actor_id=actor_id, trainee_supervisor_id=supervisor_id) is allowed


@pytest.mark.parametrize(
    ("status", "supervisor_id", "expected"),
    [
        ("pending", 5, None),
        ("approved", 5, "already verified"),
        ("rejected", 5, "already decided"),
        ("returned", 5, "already decided"),
        ("draft", 5, "not pending"),
        ("pending", 6, "not yours"),
        (None, 5, "not found"),
    ],
)
def test_bulk_outcome_names_why_an_entry_was_skipped(
    status: str | None, supervisor_id: int, expected: str | None
) -> None:
    assert (
        rules.compute_bulk_outcome(
            status=status, actor_role="supervisor", actor_id=5, trainee_supervisor_id=supervisor_id
        )
        == expected
    )


def test_age_is_whole_days_since_submission() -> None:
    assert rules.compute_age_days(NOW - timedelta(days=7, hours=23), NOW) == 7
    assert rules.compute_age_days(NOW - timedelta(days=8), NOW) == 8
    assert rules.compute_age_days(None, NOW) == 0
    assert rules.compute_age_days(NOW + timedelta(hours=1), NOW) == 0


def test_ageing_counts_are_strictly_more_than_7_and_14_days() -> None:
    assert rules.compute_ageing_counts([0, 7, 8, 14, 15, 40]) == {7: 4, 14: 2}


def test_age_cutoff_agrees_with_age_in_whole_days() -> None:
    cutoff = rules.compute_age_cutoff(NOW, 7)
    assert rules.compute_age_days(cutoff, NOW) == 8
    assert rules.compute_age_days(cutoff + timedelta(seconds=1), NOW) == 7


def test_compliance_is_approved_over_submitted_rounded_to_two_decimals() -> None:
    assert rules.compute_compliance(2, 3) == 66.67
    assert rules.compute_compliance(0, 0) is None


def test_compliance_counts_only_approvals_as_verified_and_reviewed_counts_every_decision() -> None:
    counts = {"draft": 50, "pending": 1, "approved": 5, "returned": 1, "rejected": 1}
    assert rules.compute_compliance_from_counts(counts) == 62.5  # 5 approved / 8 submitted
    assert rules.compute_reviewed_from_counts(counts) == 87.5  # 7 decided / 8 submitted


def test_a_department_that_rejects_everything_has_zero_compliance_and_full_reviewed() -> None:
    counts = {"rejected": 10, "returned": 2}
    assert rules.compute_compliance_from_counts(counts) == 0.0
    assert rules.compute_reviewed_from_counts(counts) == 100.0


def test_one_set_of_age_buckets_gives_the_over_7_and_over_14_figures() -> None:
    ages = [0, 7, 8, 14, 15, 30, 31, 40]
    buckets = [sum(1 for a in ages if a <= 7), sum(1 for a in ages if 7 < a <= 14)]
    buckets += [sum(1 for a in ages if 14 < a <= 30), sum(1 for a in ages if a > 30)]
    assert rules.compute_over_from_buckets(buckets) == rules.compute_ageing_counts(ages) == {7: 6, 14: 4}


def test_overall_compliance_is_pooled_not_the_mean_of_departments() -> None:
    small = {"pending": 0, "approved": 1}  # 100 %
    large = {"pending": 9, "approved": 1}  # 10 %
    assert rules.compute_pooled_compliance([small, large]) == 18.18
