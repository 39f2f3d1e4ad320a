"""Department-scoped assessment groups and weighted totals on a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.orm import Session

from core.errors import InvalidInputError
from core.services.results import assessments as svc
from core.services.results import scores as scores_svc
from core.services.results import transitions as transitions_svc
from core.services.results.weighted import list_weighted_totals
from tests.factories import NOW, actor, make_department, make_user


def _assessment(session: Session, admin: object, department_id: int, title: str, weight: str, **kw: object) -> int:
    created = svc.create_assessment(
        session,
        admin,  # type: ignore[arg-type]
        title=title,
        department_id=department_id,
        assessment_date=date(2026, 10, 1),
        max_score=kw.pop("max_score", "50"),  # type: ignore[arg-type]
        pass_mark="10",
        weight=weight,
        group_name=kw.pop("group", "Final exam 2026"),  # type: ignore[arg-type]
        now=NOW,
        **kw,  # type: ignore[arg-type]
    )
    return created.id


def test_two_departments_each_fill_their_own_final_exam_to_100_percent(session: Session) -> None:
    admin = actor(session, make_user(session, "admin"))
    medicine, surgery = make_department(session), make_department(session)
    _assessment(session, admin, medicine.id, "Medicine final", "100")

    created = _assessment(session, admin, surgery.id, "Surgery final", "100")  # was refused: "would total 200 %"

    listed = {a.id: a for a in svc.list_assessments(session, admin)}
    assert listed[created].group_complete and listed[created].group_total == 100.0
    table = svc.list_group_weights(session, admin)
    mine = table[table["belongs_to"].isin([medicine.name, surgery.name])]
    assert sorted(mine["belongs_to"]) == sorted([medicine.name, surgery.name])
    assert set(mine["status"]) == {"ok"}
    # Within one department the 100 % limit still holds.
    with pytest.raises(InvalidInputError, match="would total 110%"):
        _assessment(session, admin, surgery.id, "Surgery viva", "10")


def test_a_programme_wide_group_spans_departments_and_is_separate_from_theirs(session: Session) -> None:
    admin = actor(session, make_user(session, "admin"))
    medicine, surgery = make_department(session), make_department(session)
    _assessment(session, admin, medicine.id, "Medicine final", "100")
    _assessment(session, admin, medicine.id, "Common paper A", "60", programme_wide=True)
    _assessment(session, admin, surgery.id, "Common paper B", "40", programme_wide=True)

    table = svc.list_group_weights(session, admin)
    wide = table[table["belongs_to"] == "Programme-wide"].to_dict("records")
    assert [(r["group"], r["total_weight"], r["status"]) for r in wide] == [("Final exam 2026", 100.0, "ok")]
    with pytest.raises(InvalidInputError, match="would total 101%"):
        _assessment(session, admin, surgery.id, "Common paper C", "1", programme_wide=True)


def test_weighted_totals_come_from_published_results_and_say_why_when_missing(session: Session) -> None:
    admin = actor(session, make_user(session, "admin"))
    surgery = make_department(session)
    supervisor = make_user(session, "supervisor", department=surgery)
    trainee = make_user(session, "trainee", department=surgery, supervisor=supervisor)
    peer = make_user(session, "trainee", department=surgery, supervisor=supervisor)
    outsider = make_user(session, "trainee", department=surgery)
    written = _assessment(session, admin, surgery.id, "Written", "60", max_score="60")
    osce = _assessment(session, admin, surgery.id, "OSCE", "40", max_score="20")
    scores_svc.save_scores(
        session,
        admin,
        assessment_id=written,
        scores={trainee.registration_number: "45", peer.registration_number: "30", outsider.registration_number: "60"},
        now=NOW,
    )
    scores_svc.save_scores(session, admin, assessment_id=osce, scores={trainee.registration_number: "16"}, now=NOW)
    transitions_svc.publish_results(session, admin, assessment_id=written, now=NOW)

    before = list_weighted_totals(session, admin, trainee_id=trainee.id).to_dict("records")
    assert [(r["weighted_total"], r["note"]) for r in before] == [
        (None, "no total yet: no published result for OSCE")
    ]  # the OSCE score is still a draft

    transitions_svc.publish_results(session, admin, assessment_id=osce, now=NOW)
    mine = list_weighted_totals(session, actor(session, trainee))
    assert [(r["trainee"], r["weighted_total"]) for r in mine.to_dict("records")] == [(trainee.full_name, 77.0)]
    seen = set(list_weighted_totals(session, actor(session, supervisor))["trainee_pk"])
    assert seen == {trainee.id, peer.id}  # not the trainee supervised by nobody


def test_a_group_under_100_percent_has_no_total_and_says_why(session: Session) -> None:
    admin = actor(session, make_user(session, "admin"))
    surgery = make_department(session)
    trainee = make_user(session, "trainee", department=surgery)
    written = _assessment(session, admin, surgery.id, "Written", "60", max_score="60")
    scores_svc.save_scores(session, admin, assessment_id=written, scores={trainee.registration_number: "45"}, now=NOW)
    transitions_svc.publish_results(session, admin, assessment_id=written, now=NOW)

    rows = list_weighted_totals(session, admin, trainee_id=trainee.id).to_dict("records")

    assert [(r["weighted_total"], r["note"]) for r in rows] == [(None, "no total: weights total 60%, not 100%")]


def test_results_analytics_pool_pass_rate_and_mean_by_department_and_band_scores_in_scope(session: Session) -> None:
    from core.services.results.analytics import results_by_department, score_distribution

    admin = actor(session, make_user(session, "admin"))
    surgery = make_department(session)
    supervisor = make_user(session, "supervisor", department=surgery)
    mine = [make_user(session, "trainee", department=surgery, supervisor=supervisor) for _ in range(3)]
    other = make_user(session, "trainee", department=surgery)
    written = _assessment(session, admin, surgery.id, "Written", "100", max_score="100")
    marks = {t.registration_number: s for t, s in zip([*mine, other], ["85", "45", "65", "5"], strict=True)}
    scores_svc.save_scores(session, admin, assessment_id=written, scores=marks, now=NOW)  # type: ignore[arg-type]
    transitions_svc.publish_results(session, admin, assessment_id=written, now=NOW)

    table = results_by_department(session, admin, department=surgery.name).to_dict("records")
    assert table[0] == {"department": surgery.name, "results": 4, "passed": 3, "pass_rate_pct": 75.0, "mean_pct": 50.0}
    seen = results_by_department(session, actor(session, supervisor), department=surgery.name).to_dict("records")
    assert (seen[0]["results"], seen[0]["passed"]) == (3, 3)  # not the trainee supervised by nobody
    bands = score_distribution(session, admin, department=surgery.name).to_dict("records")
    assert [(b["results"], b["under 40%"], b["40-49%"], b["60-69%"], b["80% and over"]) for b in bands] == [
        (4, 1, 1, 1, 1)
    ]
