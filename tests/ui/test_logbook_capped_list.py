"""Capped lists say so (issue 11 §3): the Logbook list of submitted entries shows at most LIST_LIMIT, says
"Showing the newest N of M" when there are more, and offers a download of every one; counts follow the scope."""

from __future__ import annotations

from datetime import date

import pytest

from core.clock import utcnow
from core.services.logbook import entries as logbook_service
from tests.factories import actor, make_department, make_entry, make_user
from tests.ui.conftest import PageRunner, UiDatabase


def _team(ui_db: UiDatabase):  # type: ignore[no-untyped-def]
    with ui_db.factory.begin() as session:
        department = make_department(session, "Internal Medicine")
        supervisor = make_user(session, "supervisor", department=department)
        trainee = make_user(session, "trainee", department=department, supervisor=supervisor)
        other = make_user(session, "trainee", department=department, supervisor=make_user(session, "supervisor"))
        for day in (1, 2, 3):
            make_entry(session, trainee, status="pending", case_date=date(2026, 10, day))
        make_entry(session, trainee, status="draft", case_date=date(2026, 10, 4), submitted_at=None)
        make_entry(session, other, status="approved", case_date=date(2026, 10, 5))  # another supervisor's
        return actor(session, supervisor), actor(session, trainee)


def _captions(at) -> list[str]:  # type: ignore[no-untyped-def]
    return [c.value for c in at.caption]


def test_a_capped_list_says_how_many_it_shows_of_how_many_and_offers_them_all(
    run_page: PageRunner, ui_db: UiDatabase, monkeypatch: pytest.MonkeyPatch
) -> None:
    supervisor, _ = _team(ui_db)
    monkeypatch.setattr(logbook_service, "LIST_LIMIT", 2)
    at = run_page("pages.logbook", supervisor)
    assert not at.exception
    assert any(
        "Showing the newest 2 of 3 entries" in c and "the download of all 3 has every one" in c for c in _captions(at)
    ), _captions(at)
    assert len(next(f.value for f in at.dataframe if "title" in " ".join(f.value.columns).lower())) == 2
    assert "⬇️ All 3 (CSV)" in [b.label for b in at.get("download_button")]


def test_an_uncapped_list_says_only_how_many(run_page: PageRunner, ui_db: UiDatabase) -> None:
    supervisor, _ = _team(ui_db)
    at = run_page("pages.logbook", supervisor)
    assert not at.exception
    assert "3 entries, newest case first." in _captions(at)  # drafts and another supervisor's trainee: not counted
    assert not [b for b in at.get("download_button") if str(b.label).startswith("⬇️ All")]


def test_the_count_follows_the_scope_and_the_full_list_has_every_entry(ui_db: UiDatabase) -> None:
    supervisor, trainee = _team(ui_db)
    with ui_db.factory() as session:
        assert logbook_service.count_entries(session, supervisor) == 3
        assert logbook_service.count_entries(session, supervisor, status="approved") == 0
        assert logbook_service.count_entries(session, trainee) == 4  # the trainee's own, the draft too
        assert len(logbook_service.list_entries(session, supervisor, now=utcnow(), limit=None)) == 3
