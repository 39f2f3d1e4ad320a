"""In the browser: planted Markdown/HTML stays text; copied and forged cookies show the sign-in form."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path

import jwt
import pytest
from playwright.sync_api import Browser, Page, expect

from core.clock import utcnow
from core.config import get_settings
from core.db import make_engine, make_session_factory
from core.demo.seed import seed_demo
from core.migrate import upgrade_to_head
from core.repositories import users as users_repo
from core.rules.values import NotificationKind
from core.services.documents.requests import request_document
from core.services.notifications import notify
from core.services.users.accounts import summarize, update_user
from core.services.users.departments import create_department
from tests.e2e.conftest import CHROMIUM, DEMO_PASSWORD, _portal_server, screenshot, settle, sign_in

pytestmark = pytest.mark.e2e

MARK = "zz-planted"
PAYLOAD = (
    f"[{MARK} link](https://evil.example/{MARK}) ![{MARK} img](https://evil.example/{MARK}.png) "
    f"<a href='https://evil.example/{MARK}'>{MARK}</a><img src='https://evil.example/{MARK}-2.png'> "
    f"www.evil-{MARK}.example https://evil.example/bare-{MARK} mail-{MARK}@evil.example"
)
PAGES = {
    "admin": ["dashboard", "users", "requests", "results", "inbox", "audit", "system", "account"],
    "supervisor": ["dashboard", "approvals", "results", "inbox", "account"],
    "trainee": ["dashboard", "logbook", "requests", "inbox", "account"],
}


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
        create_department(session, admin, name=f"Dept {PAYLOAD}"[:120], now=now)
        for who in ("admin", "supervisor", "trainee"):
            person = users_repo.get_user_by_username(session, who)
            assert person is not None
            notify(session, user_id=person.id, kind=list(NotificationKind)[0], title=PAYLOAD, body=PAYLOAD, now=now)
    engine.dispose()
    with _portal_server(url, workdir) as running:
        yield running


@pytest.mark.parametrize("role", sorted(PAGES))
def test_planted_markdown_and_html_never_become_links_or_images(page: Page, planted_url: str, role: str) -> None:
    sign_in(page, planted_url, role, path=PAGES[role][0])
    for path in PAGES[role]:
        page.goto(f"{planted_url}/{path}")
        expect(page.get_by_role("button", name="Sign out", exact=True)).to_be_visible()
        settle(page)
        planted = page.locator(f"a[href*='{MARK}'], a[href*='evil'], img[src*='evil']")
        assert planted.count() == 0, f"{role} /{path}: {planted.count()} planted links or images"
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
