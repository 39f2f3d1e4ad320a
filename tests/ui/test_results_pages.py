"""Results, Documents and Verify pages through AppTest on a real file database."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import pytest
import streamlit as st
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from core.dto import UserSummary
from core.models import Assessment, ChangeRequest, Department, DocumentRequest, Result
from core.services.documents import requests as document_service
from core.services.documents import transcripts as transcript_service
from core.services.results import assessments as results_service
from core.services.results import scores as result_scores_service
from core.services.results import transitions as result_transitions_service
from portal.widgets import plain
from tests.factories import NOW, actor, make_department, make_user
from tests.ui.conftest import PageRunner, UiDatabase


@dataclass
class Setup:
    admin: UserSummary
    admin2: UserSummary
    supervisor: UserSummary
    other_supervisor: UserSummary
    trainee: UserSummary
    other_trainee: UserSummary
    assessment_id: int


@pytest.fixture
def setup(ui_db: UiDatabase) -> Setup:
    with ui_db.factory.begin() as session:
        department = make_department(session)
        admin, admin2 = make_user(session, "admin"), make_user(session, "admin")
        supervisor = make_user(session, "supervisor", department=department)
        other_supervisor = make_user(session, "supervisor", department=department)
        trainee = make_user(session, "trainee", department=department, supervisor=supervisor)
        other = make_user(session, "trainee", department=department, supervisor=other_supervisor)
        trainee.full_name, other.full_name = "Alice Trainee", "Bob Trainee"
        session.flush()
        admin_dto = actor(session, admin)
        created = results_service.create_assessment(
            session,
            admin_dto,
            title="Year 2 written",
            department_id=department.id,
            assessment_date=date(2026, 10, 1),
            max_score=100,
            pass_mark=50,
            weight=100,
            group_name="Year 2",
            now=NOW,
        )
        return Setup(
            admin_dto,
            actor(session, admin2),
            actor(session, supervisor),
            actor(session, other_supervisor),
            actor(session, trainee),
            actor(session, other),
            created.id,
        )


def _results(ui_db: UiDatabase, setup: Setup) -> dict[str, tuple[str, float]]:
    with ui_db.factory() as session:
        rows = session.scalars(select(Result).where(Result.assessment_id == setup.assessment_id)).all()
        names = {setup.trainee.id: "alice", setup.other_trainee.id: "bob"}
        return {names[r.trainee_id]: (r.state, float(r.score)) for r in rows}


def _enter_and_publish(ui_db: UiDatabase, setup: Setup, *, publish: bool = True) -> None:
    with ui_db.factory.begin() as session:
        result_scores_service.save_scores(
            session,
            setup.admin,
            assessment_id=setup.assessment_id,
            now=NOW,
            scores={setup.trainee.registration_number: 70, setup.other_trainee.registration_number: 40},
        )
        if publish:
            result_transitions_service.publish_results(session, setup.admin, assessment_id=setup.assessment_id, now=NOW)


def _edit_grid(at: AppTest, setup: Setup, edits: dict[int, dict[str, object]]) -> None:
    at.session_state[f"results.grid.{setup.assessment_id}"] = {
        "edited_rows": edits,
        "added_rows": [],
        "deleted_rows": [],
    }
    at.run()


def test_admin_types_scores_in_the_grid_and_saves_them_as_drafts(
    run_page: PageRunner, ui_db: UiDatabase, setup: Setup
) -> None:
    at = run_page("pages.results", setup.admin, query={"assessment": str(setup.assessment_id)})
    assert not at.exception
    _edit_grid(at, setup, {0: {"score": 72.5}, 1: {"score": 41}})
    at.button(key="results.save").click().run()
    assert not at.exception
    assert _results(ui_db, setup) == {"alice": ("draft", 72.5), "bob": ("draft", 41.0)}
    assert at.session_state["app.flash"] == ("success", "Saved: 2 new, 0 changed, 0 unchanged.")


def test_an_out_of_range_grid_score_shows_the_reason_and_saves_nothing(
    run_page: PageRunner, ui_db: UiDatabase, setup: Setup
) -> None:
    at = run_page("pages.results", setup.admin)
    _edit_grid(at, setup, {0: {"score": 70}, 1: {"score": 150}})
    at.button(key="results.save").click().run()
    assert any("Nothing was saved" in e.value for e in at.error)
    assert any("score 150 is outside 0..100" in c.value for c in at.code)
    assert _results(ui_db, setup) == {}


def test_publish_all_then_freeze_all_from_the_buttons(run_page: PageRunner, ui_db: UiDatabase, setup: Setup) -> None:
    _enter_and_publish(ui_db, setup, publish=False)
    at = run_page("pages.results", setup.admin)
    at.button(key="results.publish_all").click().run()  # asks first (tests/ui/test_confirmations.py)
    at.button(key="results.publish_all.confirm").click().run()
    assert _results(ui_db, setup) == {"alice": ("published", 70.0), "bob": ("published", 40.0)}
    at.button(key="results.freeze_all").click().run()
    at.button(key="results.freeze_all.confirm").click().run()
    assert not at.exception
    assert _results(ui_db, setup) == {"alice": ("frozen", 70.0), "bob": ("frozen", 40.0)}


def test_freezing_selected_drafts_is_refused_with_the_current_state(
    run_page: PageRunner, ui_db: UiDatabase, setup: Setup
) -> None:
    _enter_and_publish(ui_db, setup, publish=False)
    at = run_page("pages.results", setup.admin)
    _edit_grid(at, setup, {0: {"select": True}})
    at.button(key="results.freeze_selected").click().run()  # asks first
    at.button(key="results.freeze_selected.confirm").click().run()
    assert any(plain("Only published results can be frozen; current state: draft") in w.value for w in at.warning)
    assert _results(ui_db, setup)["alice"][0] == "draft"


def test_supervisor_reads_only_their_trainees_without_editing(
    run_page: PageRunner, ui_db: UiDatabase, setup: Setup
) -> None:
    _enter_and_publish(ui_db, setup)
    at = run_page("pages.results", setup.supervisor)
    assert not at.exception
    assert not [b for b in at.button if b.key and b.key.startswith("results.publish")]
    frame = at.dataframe[0].value
    assert frame["trainee"].tolist() == ["Alice Trainee"]


def test_trainee_sees_only_their_own_published_results(run_page: PageRunner, ui_db: UiDatabase, setup: Setup) -> None:
    _enter_and_publish(ui_db, setup, publish=False)
    at = run_page("pages.results", setup.trainee)
    assert any("No published results yet" in i.value for i in at.info)
    with ui_db.factory.begin() as session:
        result_transitions_service.publish_results(session, setup.admin, assessment_id=setup.assessment_id, now=NOW)
    st.cache_data.clear()  # written behind the page's back, so its cached loaders are stale
    at = run_page("pages.results", setup.trainee)
    frame = at.dataframe[0].value
    assert frame[["assessment", "score", "grade", "result"]].values.tolist() == [["Year 2 written", 70.0, "B", "pass"]]


def test_a_change_request_raised_by_one_admin_is_approved_only_by_another(
    run_page: PageRunner, ui_db: UiDatabase, setup: Setup
) -> None:
    _enter_and_publish(ui_db, setup)
    with ui_db.factory() as session:
        result_id = session.scalars(select(Result.id).where(Result.trainee_id == setup.trainee.id)).one()
    at = run_page("pages.results", setup.admin)
    at.selectbox(key="results.cr.result").select(result_id)
    at.number_input(key="results.cr.value").set_value(75.0)
    at.text_area(key="results.cr.reason").input("Question 4 was added up wrongly")
    at.button(key="FormSubmitter:results.cr.new-Raise change request").click().run()
    assert not at.exception
    with ui_db.factory() as session:
        request = session.scalars(select(ChangeRequest)).one()
    at = run_page("pages.results", setup.admin)
    assert any("another admin must decide it" in c.value for c in at.caption)
    assert not [b for b in at.button if b.key == f"results.cr.approve.{request.id}"]
    at2 = run_page("pages.results", setup.admin2)
    at2.button(key=f"results.cr.approve.{request.id}").click().run()
    assert not at2.exception
    assert _results(ui_db, setup)["alice"] == ("published", 75.0)


def test_admin_creates_an_assessment_and_an_overweight_group_is_refused(
    run_page: PageRunner, ui_db: UiDatabase, setup: Setup
) -> None:
    at = run_page("pages.results", setup.admin)
    at.text_input(key="results.new.title").input("Viva")
    with ui_db.factory() as session:
        department_id = session.scalars(select(Department.id)).one()
    at.selectbox(key="results.new.department").set_value(department_id)
    at.number_input(key="results.new.weight").set_value(20.0)
    at.text_input(key="results.new.group").input("YEAR 2")
    at.button(key="FormSubmitter:results.new_assessment-Create assessment").click().run()
    assert any(plain("group 'Year 2' would total 120% (over 100%)") in e.value for e in at.error), [
        e.value for e in at.error
    ]
    with ui_db.factory() as session:
        assert session.scalars(select(Assessment.title)).all() == ["Year 2 written"], "the refused one is not written"
    at.number_input(key="results.new.weight").set_value(20.0)
    at.text_input(key="results.new.group").input("Year 3")
    at.button(key="FormSubmitter:results.new_assessment-Create assessment").click().run()
    assert at.session_state["app.flash"] == ("success", "Created 'Viva' in group 'Year 3'.")


def test_trainee_requests_a_document_and_admin_approves_then_completes_it(
    run_page: PageRunner, ui_db: UiDatabase, setup: Setup
) -> None:
    at = run_page("pages.requests", setup.trainee)
    at.selectbox(key="requests.new.kind").select("bonafide")
    at.text_area(key="requests.new.details").input("Bank account")
    at.button(key="FormSubmitter:requests.new-Send request").click().run()
    assert not at.exception
    with ui_db.factory() as session:
        request = session.scalars(select(DocumentRequest)).one()
    assert (request.kind, request.status) == ("bonafide", "pending")
    admin = run_page("pages.requests", setup.admin)
    admin.button(key=f"requests.approve.{request.id}").click().run()
    admin.button(key=f"requests.complete.{request.id}").click().run()
    assert not admin.exception
    with ui_db.factory() as session:
        assert session.get(DocumentRequest, request.id).status == "completed"  # type: ignore[union-attr]
    mine = run_page("pages.requests", setup.trainee)
    assert mine.dataframe[0].value["status"].tolist() == ["completed"]


def test_rejecting_without_a_comment_is_refused_on_the_page(
    run_page: PageRunner, ui_db: UiDatabase, setup: Setup
) -> None:
    with ui_db.factory.begin() as session:
        item = document_service.request_document(session, setup.trainee, kind="noc", details="x", now=NOW)
    at = run_page("pages.requests", setup.admin)
    at.button(key=f"requests.reject.{item.id}").click().run()
    assert any("needs a comment" in e.value for e in at.error)


def test_trainee_generates_a_transcript_with_a_verify_link(
    run_page: PageRunner, ui_db: UiDatabase, setup: Setup
) -> None:
    _enter_and_publish(ui_db, setup)
    at = run_page("pages.requests", setup.trainee)
    at.button(key="requests.transcript.go").click().run()
    assert not at.exception
    assert any("Transcript ready" in s.value for s in at.success)
    link = next(m.value for m in at.markdown if "/verify?token=" in m.value)
    token = re.search(r"token=([A-Za-z0-9_-]+)", link).group(1)  # type: ignore[union-attr]
    verify = run_page("pages.verify", None, query={"token": token})
    assert len(verify.success) == 1 and verify.success[0].value.startswith("valid: issued to Alice Trainee on ")


def test_verify_page_needs_no_sign_in_and_shows_valid_or_invalid_only(
    run_page: PageRunner, ui_db: UiDatabase, setup: Setup
) -> None:
    _enter_and_publish(ui_db, setup)
    from core.clock import utcnow

    with ui_db.factory.begin() as session:
        document = transcript_service.generate_transcript(
            session, setup.trainee, trainee_id=setup.trainee.id, now=utcnow()
        )
    token = document.verify_url.split("token=")[1]
    valid = run_page("pages.verify", None, query={"token": token})
    assert not valid.exception
    assert [b.label for b in valid.button] == []  # no sign-in form
    assert [s.value for s in valid.success] == [f"valid: issued to Alice Trainee on {utcnow():%Y-%m-%d}"]
    assert "Academic transcript" in valid.markdown[0].value
    invalid = run_page("pages.verify", None, query={"token": token[:-2] + "zz"})
    assert [e.value for e in invalid.error] == ["invalid or expired"]
    assert not invalid.success and not invalid.markdown


def test_verify_page_accepts_a_pasted_link(run_page: PageRunner, ui_db: UiDatabase, setup: Setup) -> None:
    at = run_page("pages.verify", None)
    at.text_input(key="verify.input").input("https://portal.example.org/verify?token=nope").run()
    assert [e.value for e in at.error] == ["invalid or expired"]
