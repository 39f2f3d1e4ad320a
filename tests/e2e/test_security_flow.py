"""In the browser: planted Markdown/HTML stays text; copied and forged cookies show the sign-in form."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import jwt
import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.clock import today, utcnow
from core.config import get_settings
from core.db import make_engine, make_session_factory
from core.demo.seed import seed_demo
from core.dto import UserSummary
from core.migrate import upgrade_to_head
from core.models import ChangeRequest, Result, User
from core.repositories import users as users_repo
from core.rules.values import NotificationKind, ResultState
from core.services.attendance.imports import import_attendance, save_column_mapping
from core.services.documents.requests import decide_document_request, request_document
from core.services.logbook.approvals import return_entry
from core.services.logbook.entries import create_entry
from core.services.notifications import notify
from core.services.results.assessments import create_assessment
from core.services.results.changes import request_change
from core.services.settings import update_setting
from core.services.users.accounts import reset_password, summarize, update_user
from core.services.users.departments import create_department
from tests.e2e.conftest import CHROMIUM, DEMO_PASSWORD, _portal_server, screenshot, settle, sign_in

pytestmark = pytest.mark.e2e

MARK = "zz-planted"
PAYLOAD = (
    f"[{MARK} link](https://evil.example/{MARK}) ![{MARK} img](https://evil.example/{MARK}.png) "
    f"<a href='https://evil.example/{MARK}'>{MARK}</a><img src='https://evil.example/{MARK}-2.png'> "
    f"www.evil-{MARK}.example https://evil.example/bare-{MARK} mail-{MARK}@evil.example"
)
DATABASES: dict[str, str] = {}  # portal URL -> its database, for the writes a test makes as an admin would
SHORT = f"[{MARK} s](https://evil.example/{MARK}) <img src='https://evil.example/{MARK}-s.png'> www.evil-{MARK}.example"
PAGES = {
    "admin": [
        "dashboard", "users", "requests", "results", "attendance", "eligibility", "logbook", "inbox", "audit",
        "system", "account",
    ],
    "supervisor": ["dashboard", "approvals", "logbook", "attendance", "eligibility", "results", "inbox", "account"],
    "trainee": ["dashboard", "logbook", "results", "eligibility", "requests", "inbox", "account"],
}  # fmt: skip
# Every <a> (HTML or SVG, where charts put xlink:href) and <img> whose target is a planted address.
PLANTED_JS = """() => [...document.querySelectorAll('a, img, image')].map(e => e.getAttribute('href') ||
    e.getAttribute('xlink:href') || e.getAttribute('src') || '').filter(t => t.includes('evil'))"""
SHOWN_ON = {  # pages whose main area shows planted text (tables are canvas-drawn and hold none)
    "admin": {"dashboard", "requests", "results", "logbook", "audit"},
    "supervisor": {"logbook", "results"},
    "trainee": {"dashboard", "logbook", "eligibility"},
}


def _person(session: Session, username: str) -> UserSummary:
    found = users_repo.get_user_by_username(session, username)
    assert found is not None
    return summarize(found)


def _plant_records(session: Session, admin: UserSummary, now: datetime) -> None:
    """Every other free-text field, through the services a person uses: logbook titles, descriptions,
    reflections and a supervisor's comment; a change-request reason; an assessment's title and group; a
    document decision's comment; attendance sessions, remarks and the file name; and settings values."""
    trainee, supervisor = _person(session, "trainee"), _person(session, "supervisor")
    create_entry(
        session, trainee, title=f"Pending {SHORT}", case_date=today() - timedelta(days=2), category="case",
        description=PAYLOAD, reflection=PAYLOAD, submit=True, now=now,
    )  # fmt: skip
    returned = create_entry(
        session, trainee, title=f"Returned {SHORT}", case_date=today() - timedelta(days=3), category="case",
        description=PAYLOAD, reflection=PAYLOAD, submit=True, now=now,
    )  # fmt: skip
    return_entry(session, supervisor, returned.id, feedback=PAYLOAD, now=now)
    create_entry(
        session, trainee, title=f"Draft {SHORT}", case_date=today() - timedelta(days=1), category="case",
        description=PAYLOAD, now=now,
    )  # fmt: skip
    pending = select(ChangeRequest.result_id).where(ChangeRequest.status == "pending")
    result = session.scalars(
        select(Result).where(Result.state == ResultState.PUBLISHED, Result.id.not_in(pending)).order_by(Result.id)
    ).first()
    assert result is not None
    new_score = result.score - 1 if result.score >= 1 else result.score + 1
    request_change(session, admin, result_id=result.id, new_score=new_score, reason=PAYLOAD, now=now)
    assert trainee.department_id is not None
    create_assessment(
        session, admin, title=f"Exam {SHORT}", department_id=trainee.department_id,
        assessment_date=today() - timedelta(days=5), max_score="100", pass_mark="50", weight="1",
        group_name=f"Group {SHORT}", now=now,
    )  # fmt: skip
    rejected = request_document(session, trainee, kind="other", details=SHORT, now=now)
    decide_document_request(session, admin, request_id=rejected.id, approve=False, comment=PAYLOAD, now=now)
    day = today() - timedelta(days=1)
    label = f"<a href='https://evil.example/{MARK}'>[x](https://evil.example)"[:40]  # a session label holds 40
    rows = (
        f"trainee_id,session_date,session,status,remarks\n{trainee.registration_number},{day},{label},late,{PAYLOAD}\n"
    )
    report = import_attendance(session, admin, content=rows.encode(), file_name=f"{SHORT}.csv", now=now)
    assert report.batch_id is not None, report
    update_setting(session, admin, key="logbook_categories", value=["case", "procedure", f"Other {SHORT}"], now=now)
    update_setting(session, admin, key="status_vocabulary", value=f"{SHORT}=late", now=now)
    save_column_mapping(session, admin, f"Map {SHORT}", {"Reg": "trainee_id"}, now=now)


@pytest.fixture(scope="module")
def planted_url(tmp_path_factory: pytest.TempPathFactory, browser: Browser) -> Iterator[str]:
    """A portal on a demo database whose free-text fields hold Markdown and HTML payloads."""
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed")
    workdir = tmp_path_factory.mktemp("security-browser")
    url = f"sqlite:///{workdir / 'portal.db'}"
    engine = make_engine(url)
    upgrade_to_head(engine)
    now = utcnow()
    with make_session_factory(engine).begin() as session:
        seed_demo(session, password=DEMO_PASSWORD, now=now)
        admin = summarize(users_repo.get_user_by_username(session, "admin"))  # type: ignore[arg-type]
        for username in ("trainee", "supervisor"):
            person = users_repo.get_user_by_username(session, username)
            assert person is not None
            update_user(session, admin, person.id, full_name=f"{username} {PAYLOAD}", now=now)
        trainee = summarize(users_repo.get_user_by_username(session, "trainee"))  # type: ignore[arg-type]
        request_document(session, trainee, kind="other", details=PAYLOAD, now=now)
        name = f"Dept <a href='https://evil.example/{MARK}'>{MARK}</a> [{MARK} d](https://evil.example/d)"
        department_id, _ = create_department(session, admin, name=name, now=now)  # charts draw <a> as SVG links
        for moved in session.scalars(  # trainees with records: the department is drawn in the dashboard's charts
            select(User).where(User.role == "trainee", User.username != "trainee").order_by(User.id).limit(3)
        ):
            update_user(session, admin, moved.id, department_id=department_id, now=now)
        _plant_records(session, admin, now)
        for who in ("admin", "supervisor", "trainee"):
            person = users_repo.get_user_by_username(session, who)
            assert person is not None
            notify(session, user_id=person.id, kind=list(NotificationKind)[0], title=PAYLOAD, body=PAYLOAD, now=now)
    engine.dispose()
    with _portal_server(url, workdir) as running:
        DATABASES[running] = url
        yield running


@pytest.mark.parametrize("role", sorted(PAGES))
def test_planted_markdown_and_html_never_become_links_or_images(page: Page, planted_url: str, role: str) -> None:
    sign_in(page, planted_url, role, path=PAGES[role][0])
    for path in PAGES[role]:
        page.goto(f"{planted_url}/{path}")
        expect(page.get_by_role("button", name="Sign out", exact=True)).to_be_visible()
        settle(page)
        planted = page.evaluate(PLANTED_JS)
        assert planted == [], f"{role} /{path}: planted links or images {planted}"
        if path in SHOWN_ON[role]:  # the planted text is on this page, as text: the check above is not vacuous
            assert MARK in (page.locator("[data-testid=stMain]").text_content() or ""), f"{role} /{path}"
            screenshot(page, f"security-planted-{path}-{role}")
    page.goto(f"{planted_url}/inbox")
    expect(page.get_by_text(f"{MARK} link").first).to_be_visible()  # the text itself is shown, as typed
    screenshot(page, f"security-planted-inbox-{role}")


def _cookie_of(page: Page) -> dict[str, object]:
    name = get_settings().cookie_name
    found = [c for c in page.context.cookies() if c["name"] == name]
    assert found, "no sign-in cookie was set"
    return dict(found[0])


def _open_with_cookie(browser: Browser, url: str, cookie: dict[str, object]) -> Page:
    context = browser.new_context()
    context.add_cookies([{k: cookie[k] for k in ("name", "value", "domain", "path")}])  # type: ignore[list-item]
    tab = context.new_page()
    tab.goto(f"{url}/dashboard")
    return tab


def _shows_sign_in(tab: Page) -> None:
    expect(tab.get_by_role("button", name="Sign in")).to_be_visible()
    settle(tab)
    expect(tab.get_by_role("button", name="Sign out", exact=True)).to_have_count(0)
    expect(tab.get_by_text("This app has encountered an error")).to_have_count(0)


def test_a_copied_cookie_stops_working_after_sign_out(page: Page, browser: Browser, planted_url: str) -> None:
    sign_in(page, planted_url, "leadership")
    cookie = _cookie_of(page)
    copy = _open_with_cookie(browser, planted_url, cookie)
    expect(copy.get_by_role("button", name="Sign out", exact=True)).to_be_visible()  # the copy works while signed in
    copy.context.close()
    page.get_by_role("button", name="Sign out", exact=True).click()
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    replay = _open_with_cookie(browser, planted_url, cookie)
    _shows_sign_in(replay)
    replay.context.close()


def test_a_copied_cookie_stops_working_after_a_password_reset(page: Page, browser: Browser, planted_url: str) -> None:
    sign_in(page, planted_url, "admin2")  # a user no other test here signs in as
    cookie = _cookie_of(page)
    copy = _open_with_cookie(browser, planted_url, cookie)
    expect(copy.get_by_role("button", name="Sign out", exact=True)).to_be_visible()
    copy.context.close()
    engine = make_engine(DATABASES[planted_url])
    with make_session_factory(engine).begin() as session:  # what an admin's reset on Users does
        target = users_repo.get_user_by_username(session, "admin2")
        assert target is not None
        reset_password(session, _person(session, "admin"), target.id, new_password=DEMO_PASSWORD, now=utcnow())
    engine.dispose()
    replay = _open_with_cookie(browser, planted_url, cookie)
    _shows_sign_in(replay)
    replay.context.close()
    page.reload()  # the browser that signed in is signed out too
    _shows_sign_in(page)


def _forged(claims: dict[str, object], header: dict[str, object]) -> str:
    def part(value: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    return f"{part(header)}.{part(claims)}.c2lnbmF0dXJl"


def test_forged_malformed_and_tampered_cookies_show_the_sign_in_form(
    page: Page, browser: Browser, planted_url: str
) -> None:
    sign_in(page, planted_url, "admin")
    cookie = _cookie_of(page)
    real = str(cookie["value"])
    claims = jwt.decode(real, get_settings().secret_key, algorithms=["HS256"])
    values = {
        "alg-none": _forged(claims, {"alg": "none", "typ": "JWT"})[: -len("c2lnbmF0dXJl")],
        "hs512": jwt.encode(claims, get_settings().secret_key, algorithm="HS512"),
        "other-key": jwt.encode(claims, "not-the-secret-key-of-this-portal-at-all", algorithm="HS256"),
        "no-sid": jwt.encode({k: v for k, v in claims.items() if k != "sid"}, get_settings().secret_key, "HS256"),
        "no-exp": jwt.encode({k: v for k, v in claims.items() if k != "exp_date"}, get_settings().secret_key, "HS256"),
        "tampered": real[:-3] + ("AAA" if not real.endswith("AAA") else "BBB"),
        "garbage": "%%%not-a-jwt",
    }
    for label, value in values.items():
        tab = _open_with_cookie(browser, planted_url, {**cookie, "value": value})
        _shows_sign_in(tab)
        tab.context.close(), label
