"""Training progress screens (issue 17) with AppTest: requirement setup and promotion (admins), the
trainee's progress bars, and the supervisor's view of their trainees with who is behind."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from core.clock import TODAY_OVERRIDE_ENV
from core.dto import UserSummary
from core.models import LogbookRequirement, TrainingYearChange, User
from core.services.logbook import approvals
from core.services.training import requirements
from portal.widgets import plain
from tests.factories import NOW, actor, make_department, make_entry, make_user
from tests.ui.conftest import PageRunner, UiDatabase

WHEN = datetime(2027, 3, 1, 9, 0)


@dataclass
class World:
    admin: UserSummary
    supervisor: UserSummary
    leadership: UserSummary
    trainee: UserSummary
    peer: UserSummary
    outsider: UserSummary
    department_id: int


@pytest.fixture
def world(ui_db: UiDatabase, monkeypatch: pytest.MonkeyPatch) -> World:
    monkeypatch.setenv(TODAY_OVERRIDE_ENV, "2027-03-01")  # past half-way through the Aug 2026 - Jul 2027 year
    with ui_db.factory.begin() as session:
        surgery = make_department(session, "Surgery")
        sup = make_user(session, "supervisor", department=surgery)
        other_sup = make_user(session, "supervisor", department=surgery)
        trainee = make_user(session, "trainee", department=surgery, supervisor=sup)
        peer = make_user(session, "trainee", department=surgery, supervisor=sup)
        outsider = make_user(session, "trainee", department=surgery, supervisor=other_sup)
        for row in (trainee, peer, outsider):
            row.training_year, row.cohort = 1, "2026 intake"
        admin = actor(session, make_user(session, "admin"))
        requirements.create_requirement(session, admin, training_year=1, category="case", minimum=4, now=NOW)
        supervisor = actor(session, sup)
        for n in range(3):
            entry = make_entry(session, trainee, case_date=date(2026, 9, 1 + n))
            approvals.approve_entry(session, supervisor, entry.id, now=WHEN)
        return World(
            admin=admin,
            supervisor=supervisor,
            leadership=actor(session, make_user(session, "leadership")),
            trainee=actor(session, trainee),
            peer=actor(session, peer),
            outsider=actor(session, outsider),
            department_id=surgery.id,
        )


def _texts(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption] + [s.value for s in at.subheader]
    parts += [s.value for s in at.success] + [e.value for e in at.error] + [i.value for i in at.info]
    parts += [p.proto.text for p in at.get("progress")]
    return "\n".join(str(p) for p in parts)


def test_a_trainee_sees_progress_bars_with_what_is_still_needed(run_page: PageRunner, world: World) -> None:
    at = run_page("pages.progress", world.trainee)
    assert not at.exception, at.exception
    text = _texts(at)
    assert "4 × case: 3 of 4 approved (1 still needed)" in text
    assert "On track." in text  # 75 % is above the 50 % share
    assert not at.dataframe, "a trainee sees no one else's rows"

    at = run_page("pages.progress", world.peer)
    assert "Behind: " + plain("4 × case: 0 of 4") in _texts(at)


def test_a_supervisor_sees_only_their_trainees_behind_first_with_filters_in_the_url(
    run_page: PageRunner, world: World
) -> None:
    at = run_page("pages.progress", world.supervisor, query={"year": "1"})
    assert not at.exception, at.exception
    assert {m.label: m.value for m in at.metric}["Behind"] == "1 of 2"
    table = at.dataframe[0].value
    assert table["trainee"].tolist() == [world.peer.full_name, world.trainee.full_name]
    assert world.outsider.full_name not in table["trainee"].tolist()
    assert table["status"].tolist() == ["behind", "on track"]
    assert at.selectbox(key="progress.year").value == 1
    at.selectbox(key="progress.cohort").set_value("2026 intake").run()
    assert (at.query_params["cohort"], at.query_params["year"]) == ("2026 intake", "1")


def test_leadership_sees_the_share_on_track_by_department_and_year(run_page: PageRunner, world: World) -> None:
    at = run_page("pages.progress", world.leadership)
    assert not at.exception, at.exception
    share = at.dataframe[0].value.to_dict("records")
    assert [(r["department"], r["Training year"], r["trainees"], r["On track"]) for r in share] == [
        ("Surgery", 1, 3, 1)
    ]


def test_an_admin_adds_a_requirement_and_a_duplicate_is_refused_writing_nothing(
    run_page: PageRunner, ui_db: UiDatabase, world: World
) -> None:
    at = run_page("pages.training", world.admin)
    assert not at.exception, at.exception
    at.selectbox(key="training.req.category").set_value("procedure")
    at.number_input(key="training.req.minimum").set_value(5)
    at.text_input(key="training.req.title").input("Central line insertion")
    at.button(key="FormSubmitter:training.req.new-Add requirement").click().run()
    assert at.session_state["app.flash"] == (
        "success",
        "Added: year 1, Central line insertion × 5 (procedure) (All departments).",
    )
    at.selectbox(key="training.req.category").set_value("case")
    at.number_input(key="training.req.minimum").set_value(9)
    at.button(key="FormSubmitter:training.req.new-Add requirement").click().run()
    assert any(plain("training year 1 already has this target for all departments") in e.value for e in at.error)
    with ui_db.factory() as session:
        assert sorted(session.scalars(select(LogbookRequirement.minimum))) == [4, 5]


def test_an_admin_promotes_after_a_preview_and_the_history_shows_it(
    run_page: PageRunner, ui_db: UiDatabase, world: World
) -> None:
    at = run_page("pages.training", world.admin)
    preview = at.dataframe[1].value
    assert set(preview["To year"]) == {2}
    assert at.button(key="training.promote.go").disabled, "needs the confirmation first"
    at.checkbox(key="training.promote.confirm").check().run()
    at.button(key="training.promote.go").click().run()
    assert at.session_state["app.flash"][1].startswith("Promoted 3 trainee(s) from 01 Mar 2027; 0 stayed.")
    with ui_db.factory() as session:
        assert set(session.scalars(select(User.training_year).where(User.role == "trainee"))) == {2}
        assert len(session.scalars(select(TrainingYearChange)).all()) == 3


def test_the_setup_page_is_for_admins_only(run_page: PageRunner, world: World) -> None:
    for viewer in (world.supervisor, world.trainee, world.leadership):
        at = run_page("pages.training", viewer)
        assert any("Not allowed" in e.value for e in at.error)
        assert not at.dataframe


def test_the_trainees_logbook_page_shows_their_progress_too(run_page: PageRunner, world: World) -> None:
    at = run_page("pages.logbook", world.peer)
    assert not at.exception, at.exception
    assert "4 × case: 0 of 4 approved (4 still needed)" in _texts(at)
    assert at.expander[0].proto.expanded, "opened when the trainee is behind"


def test_results_show_weighted_totals_to_the_trainee_and_in_the_grid(
    run_page: PageRunner, ui_db: UiDatabase, world: World
) -> None:
    from core.services.results import assessments, scores, transitions

    with ui_db.factory.begin() as session:
        trainee = session.get(User, world.trainee.id)
        assert trainee is not None
        for title, weight, score in (("Written", "70", "45"), ("OSCE", "30", "16")):
            made = assessments.create_assessment(
                session,
                world.admin,
                title=title,
                department_id=world.department_id,
                assessment_date=date(2026, 12, 1),
                max_score="60" if title == "Written" else "20",
                pass_mark="10",
                weight=weight,
                group_name="Final exam",
                now=NOW,
            )
            scores.save_scores(
                session, world.admin, assessment_id=made.id, scores={trainee.registration_number: score}, now=NOW
            )  # type: ignore[dict-item]
            transitions.publish_results(session, world.admin, assessment_id=made.id, now=NOW)

    mine = run_page("pages.results", world.trainee)
    assert not mine.exception, mine.exception
    totals = mine.dataframe[1].value.to_dict("records")
    assert [(r["group"], r["Weighted total"], r["note"]) for r in totals] == [
        ("Final exam", 76.5, "weights total 100%")
    ]

    grid = run_page("pages.results", world.admin)
    assert any(s.value == "Weighted totals" for s in grid.subheader)


def test_the_dashboard_shows_the_share_on_track_and_results_analytics(run_page: PageRunner, world: World) -> None:
    at = run_page("pages.dashboard", world.leadership, query={"dashboard.tab": "Progress"})
    assert not at.exception, at.exception
    share = at.dataframe[0].value.to_dict("records")
    assert [(r["department"], r["On track"], r["behind"]) for r in share] == [("Surgery", 1, 2)]

    home = run_page("pages.dashboard", world.trainee)
    assert "4 × case: 3 of 4 approved (1 still needed)" in _texts(home)


def test_eligibility_keeps_the_training_year_and_cohort_filters_in_the_url(run_page: PageRunner, world: World) -> None:
    at = run_page("pages.eligibility", world.admin, query={"year": "2"})
    assert not at.exception, at.exception
    assert at.selectbox(key="eligibility.year").value == 2
    assert not at.dataframe or world.trainee.full_name not in str(at.dataframe[0].value.to_dict())
    at.selectbox(key="eligibility.year").set_value(1).run()
    assert at.query_params["year"] == "1"
    assert world.trainee.full_name in str(at.dataframe[0].value.to_dict())


def test_the_results_grid_filters_by_training_year_in_the_url(
    run_page: PageRunner, ui_db: UiDatabase, world: World
) -> None:
    from core.services.results import assessments

    with ui_db.factory.begin() as session:
        assessments.create_assessment(
            session,
            world.admin,
            title="Written",
            department_id=world.department_id,
            assessment_date=date(2026, 12, 1),
            max_score="60",
            pass_mark="10",
            weight="100",
            group_name="Final exam",
            now=NOW,
        )
    everyone = run_page("pages.results", world.admin)
    assert not any("No results in your view" in i.value for i in everyone.info)  # the year-1 trainees are listed
    none = run_page("pages.results", world.admin, query={"year": "2"})
    assert not none.exception, none.exception
    assert any("No results in your view" in i.value for i in none.info)
