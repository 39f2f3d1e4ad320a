"""Users, audit log, account and system pages driven through their real widgets."""

from sqlalchemy import select

from core.models import AuditEvent, Setting, User
from core.services.auth import check_sign_in
from portal.widgets import plain
from tests.factories import NOW, PASSWORD, actor, make_department, make_user
from tests.ui.conftest import PageRunner, UiDatabase


def _admin(ui_db: UiDatabase):  # type: ignore[no-untyped-def]
    with ui_db.factory.begin() as session:
        make_department(session, "Surgery")
        return actor(session, make_user(session, "admin"))


def test_admin_creates_a_leadership_user_through_the_form(run_page: PageRunner, ui_db: UiDatabase) -> None:
    admin = _admin(ui_db)
    at = run_page("pages.users", admin)
    at.text_input(key="users.new.username").input("dean.two")
    at.text_input(key="users.new.full_name").input("Dean Two")
    at.selectbox(key="users.new.role").select("leadership")
    at.text_input(key="users.new.password").input("a-strong-password")
    at.button(key="FormSubmitter:users.create-Create user").click()
    at.run()
    assert not at.exception
    assert at.session_state["app.flash"] == ("success", "Created dean.two (leadership).")  # shown after the rerun
    with ui_db.factory() as session:
        assert check_sign_in(session, username="dean.two", password="a-strong-password", now=NOW)


def test_bad_new_user_shows_the_problem_and_writes_nothing(run_page: PageRunner, ui_db: UiDatabase) -> None:
    admin = _admin(ui_db)
    at = run_page("pages.users", admin)
    at.text_input(key="users.new.username").input("newtrainee")
    at.text_input(key="users.new.full_name").input("New Trainee")
    at.button(key="FormSubmitter:users.create-Create user").click()
    at.run()
    assert any(plain("registration_number") in e.value for e in at.error)
    with ui_db.factory() as session:
        assert session.scalars(select(User).where(User.username == "newtrainee")).first() is None


def test_admin_deactivates_a_user_from_the_edit_tab(run_page: PageRunner, ui_db: UiDatabase) -> None:
    admin = _admin(ui_db)
    with ui_db.factory.begin() as session:
        target = make_user(session, "leadership")
        label = f"{target.full_name} ({target.username})"
        target_id = target.id
    at = run_page("pages.users", admin)
    at.selectbox(key="users.selected").select(label)
    at.run()
    at.button(key="users.toggle_active").click()
    at.run()
    assert not at.exception
    with ui_db.factory() as session:
        assert session.get(User, target_id).is_active is False
        assert session.scalars(select(AuditEvent).where(AuditEvent.action == "user_deactivated")).one()


def test_audit_page_filters_by_action_and_keeps_the_filter_in_the_url(run_page: PageRunner, ui_db: UiDatabase) -> None:
    admin = _admin(ui_db)
    with ui_db.factory.begin() as session:
        user = make_user(session, "trainee")
        check_sign_in(session, username=user.username, password="wrong-password-x", now=NOW)
    at = run_page("pages.audit", admin, query={"action": "sign_in_failed", "from": "2026-01-01", "to": "2026-12-31"})
    assert not at.exception
    frame = at.dataframe[0].value
    assert set(frame["action"]) == {"Sign in failed"}  # the code in words
    assert at.query_params["action"] == "sign_in_failed"


def test_audit_page_shows_the_newest_5000_and_its_csv_has_every_matching_event(
    run_page: PageRunner, ui_db: UiDatabase
) -> None:
    import csv
    import io

    from sqlalchemy import insert

    from portal import loaders

    admin = _admin(ui_db)
    with ui_db.factory.begin() as session:
        session.execute(
            insert(AuditEvent),
            [
                {"occurred_at": NOW, "actor_username": "probe", "action": "probe_event", "details": {"i": i}}
                for i in range(5003)
            ],
        )
    query = {"action": "probe_event", "from": "2026-01-01", "to": "2026-12-31"}
    at = run_page("pages.audit", admin, query=query)
    assert not at.exception
    assert len(at.dataframe[0].value) == 5000
    assert any("newest 5,000 matching events are shown" in c.value for c in at.caption)
    content = loaders.audit.events_csv(admin, None, "probe_event", NOW.date(), NOW.date())().decode("utf-8-sig")
    assert len(list(csv.DictReader(io.StringIO(content)))) == 5003


def test_account_page_changes_the_password(run_page: PageRunner, ui_db: UiDatabase) -> None:
    with ui_db.factory.begin() as session:
        me = actor(session, make_user(session, "trainee"))
    at = run_page("pages.account", me)
    at.text_input(key="account.current").input(PASSWORD)
    at.text_input(key="account.new").input("my-new-password")
    at.text_input(key="account.repeat").input("my-new-password")
    at.button[0].click()
    at.run()
    assert at.session_state["app.flash"] == ("success", "Password changed. Use the new one next time you sign in.")
    with ui_db.factory() as session:
        assert check_sign_in(session, username=me.username, password="my-new-password", now=NOW)


def test_system_page_refuses_an_out_of_range_threshold_and_stores_a_valid_one(
    run_page: PageRunner, ui_db: UiDatabase
) -> None:
    admin = _admin(ui_db)
    at = run_page("pages.system", admin)
    at.text_input(key="system.setting.attendance_threshold").input("120")
    at.button(key="FormSubmitter:system.settings-Save settings").click()
    at.run()
    assert any("between 0 and 100" in e.value for e in at.error)
    with ui_db.factory() as session:
        assert session.get(Setting, "attendance_threshold") is None
    at.text_input(key="system.setting.attendance_threshold").input("80")
    at.button(key="FormSubmitter:system.settings-Save settings").click()
    at.run()
    with ui_db.factory() as session:
        assert session.get(Setting, "attendance_threshold").value == 80.0
