"""Pure training-progress rules (issue 17): the training-year window, targets, 'behind', promotion, weighted totals."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from core.rules import progress as rules
from core.rules import results as results_rules

D = Decimal


def make_requirement(
    id: int = 1, *, year: int = 1, category: str = "procedure", minimum: int = 10, **kw: object
) -> rules.Requirement:
    return rules.Requirement(id=id, training_year=year, category=category, minimum=minimum, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("today", "start", "end"),
    [
        (date(2026, 8, 1), date(2026, 8, 1), date(2027, 7, 31)),
        (date(2026, 7, 31), date(2025, 8, 1), date(2026, 7, 31)),
        (date(2027, 2, 28), date(2026, 8, 1), date(2027, 7, 31)),
    ],
)
def test_training_year_window_is_the_twelve_months_from_the_start_month_containing_today(
    today: date, start: date, end: date
) -> None:
    assert rules.compute_training_year_window(today, 8) == (start, end)


def test_a_january_start_gives_the_calendar_year() -> None:
    assert rules.compute_training_year_window(date(2026, 5, 3), 1) == (date(2026, 1, 1), date(2026, 12, 31))


def test_elapsed_share_is_zero_before_and_one_after_the_window() -> None:
    start, end = date(2026, 1, 1), date(2026, 12, 31)
    assert rules.compute_elapsed_share(start, end, date(2025, 12, 31)) == 0.0
    assert rules.compute_elapsed_share(start, end, date(2027, 1, 5)) == 1.0
    assert rules.compute_elapsed_share(start, end, date(2026, 7, 2)) == pytest.approx(183 / 365, abs=1e-4)


def test_target_progress_says_what_is_still_needed_and_caps_the_share() -> None:
    target = rules.compute_target_progress(
        make_requirement(minimum=5, title="Central line insertion"), 3, behind_share=0.5
    )
    assert (target.approved, target.still_needed, target.share, target.under_share) == (3, 2, 0.6, False)
    assert target.label == "Central line insertion × 5 (procedure)"
    over = rules.compute_target_progress(make_requirement(minimum=5), 9, behind_share=0.5)
    assert (over.still_needed, over.share) == (0, 1.0)


def test_a_target_just_under_the_share_is_under_and_one_at_the_share_is_not() -> None:
    assert rules.compute_target_progress(make_requirement(minimum=10), 4, behind_share=0.5).under_share
    assert not rules.compute_target_progress(make_requirement(minimum=10), 5, behind_share=0.5).under_share


def test_nobody_is_behind_before_the_checkpoint_even_with_nothing_done() -> None:
    targets = [rules.compute_target_progress(make_requirement(minimum=10), 0, behind_share=0.5)]
    verdict = rules.compute_verdict(targets, elapsed_share=0.49, checkpoint=0.5, training_year=1)
    assert (verdict.behind, verdict.summary) == (False, "on track")


def test_after_the_checkpoint_any_target_under_its_share_makes_the_trainee_behind_and_says_which() -> None:
    targets = [
        rules.compute_target_progress(make_requirement(1, category="case", minimum=40), 30, behind_share=0.5),
        rules.compute_target_progress(make_requirement(2, minimum=5, title="Chest drain"), 1, behind_share=0.5),
    ]
    verdict = rules.compute_verdict(targets, elapsed_share=0.5, checkpoint=0.5, training_year=1)
    assert verdict.behind
    assert verdict.reasons == ("Chest drain × 5 (procedure): 1 of 5",)
    assert verdict.summary == "behind: Chest drain × 5 (procedure): 1 of 5"


def test_no_targets_or_no_year_is_never_behind_and_says_so() -> None:
    assert rules.compute_verdict([], elapsed_share=1, checkpoint=0.5, training_year=2).summary == (
        "no targets for training year 2"
    )
    assert rules.compute_verdict([], elapsed_share=1, checkpoint=0.5, training_year=None).summary == (
        "no training year set"
    )


def test_a_department_target_replaces_the_programme_one_for_the_same_category_and_title() -> None:
    programme = make_requirement(1, category="case", minimum=40)
    surgery = make_requirement(2, category="case", minimum=60, department_id=7)
    titled = make_requirement(3, minimum=5, title="Chest drain")
    other_year = make_requirement(4, year=2, category="case", minimum=80)
    chosen = rules.compute_applicable_requirements(
        [programme, surgery, titled, other_year], training_year=1, department_id=7
    )
    assert [r.id for r in chosen] == [2, 3]
    medicine = rules.compute_applicable_requirements(
        [programme, surgery, titled, other_year], training_year=1, department_id=8
    )
    assert [r.id for r in medicine] == [1, 3]
    assert rules.compute_applicable_requirements([programme], training_year=None, department_id=7) == []


def test_title_keys_ignore_case_and_outer_spaces() -> None:
    assert rules.compute_title_key("  Central Line INSERTION ") == "central line insertion"


def test_promotion_moves_one_year_up_and_refuses_the_final_year_and_no_year() -> None:
    assert rules.compute_promotion(1, last_year=3) == (2, None)
    assert rules.compute_promotion(3, last_year=3) == (None, "is in the final training year (3)")
    assert rules.compute_promotion(None, last_year=3)[0] is None


def test_weighted_total_sums_score_over_max_times_weight_when_weights_total_100() -> None:
    group = results_rules.compute_group_weight("Final 2026", [D("60"), D("40")])
    total = results_rules.compute_weighted_total(group, [("Written", D("45"), D("60"), D("60")), ("OSCE", 16, 20, 40)])
    assert total.total == 77.0  # 45/60*60 + 16/20*40
    assert total.reason == "weights total 100%"


def test_a_group_not_at_100_percent_has_no_total_and_says_why() -> None:
    group = results_rules.compute_group_weight("Final 2026", [D("60")])
    total = results_rules.compute_weighted_total(group, [("Written", D("45"), D("60"), D("60"))])
    assert total.total is None
    assert total.reason == "no total: weights total 60%, not 100%"


def test_a_missing_published_result_is_named_not_counted_as_zero() -> None:
    group = results_rules.compute_group_weight("Final 2026", [D("60"), D("40")])
    total = results_rules.compute_weighted_total(group, [("Written", D("45"), 60, 60), ("OSCE", None, 20, 40)])
    assert total.total is None
    assert total.reason == "no total yet: no published result for OSCE"


def test_a_past_training_year_is_the_programme_year_of_the_latest_change_into_it() -> None:
    history = [(date(2025, 8, 1), 1), (date(2026, 8, 1), 2), (date(2026, 9, 10), 2)]
    today = date(2027, 3, 1)
    assert rules.compute_year_window(history, year=1, current_year=2, today=today, start_month=8) == (
        date(2025, 8, 1),
        date(2026, 7, 31),
    )
    assert rules.compute_year_window(history, year=2, current_year=2, today=today, start_month=8) == (
        date(2026, 8, 1),
        date(2027, 7, 31),
    )
    assert rules.compute_year_window(history, year=3, current_year=2, today=today, start_month=8) is None
