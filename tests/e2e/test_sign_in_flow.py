"""In a real browser: each role's menu, the role gate, deep links and reloads, sign-out."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest
from playwright.sync_api import Page, expect

from portal.navigation import allowed_pages
from tests.e2e.conftest import screenshot, settle, sign_in

pytestmark = pytest.mark.e2e
MENU_LINKS = '[data-testid="stSidebar"] [data-testid="stPageLink"]'


def _menu(page: Page) -> list[str]:
    links = page.locator(MENU_LINKS).all_inner_texts()
    return [text.split("\n")[-1].split(" (")[0].strip() for text in links]


@pytest.mark.parametrize("username", ["admin", "supervisor", "leadership", "trainee"])
def test_each_demo_role_sees_exactly_its_pages(page: Page, portal_url: str, username: str) -> None:
    sign_in(page, portal_url, username)
    expected = [spec.title for spec in allowed_pages(username) if spec.section != "Public"]
    expect(page.locator(MENU_LINKS)).to_have_count(len(expected))
    assert _menu(page) == expected
    screenshot(page, f"sign-in-{username}")


def test_supervisor_opening_users_sees_not_allowed(page: Page, portal_url: str) -> None:
    sign_in(page, portal_url, "supervisor", path="users")
    expect(page.get_by_text("Not allowed")).to_be_visible()
    expect(page.get_by_role("tab", name="New user")).to_have_count(0)
    screenshot(page, "users-not-allowed-supervisor")


def test_reloading_approvals_as_supervisor_keeps_the_page_and_the_sign_in(page: Page, portal_url: str) -> None:
    sign_in(page, portal_url, "supervisor", path="approvals")
    assert urlparse(page.url).path == "/approvals"
    page.reload()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    expect(page.get_by_role("heading", name="Approvals").first).to_be_visible()
    assert urlparse(page.url).path == "/approvals"
    screenshot(page, "approvals-after-reload")


def test_a_bookmarked_deep_link_signed_out_shows_sign_in_then_lands_on_that_page(page: Page, portal_url: str) -> None:
    page.goto(f"{portal_url}/audit")
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    expect(page.get_by_text("Page not found")).to_have_count(0)
    sign_in(page, portal_url, "admin", path="audit")
    expect(page.get_by_role("heading", name="Audit log").first).to_be_visible()
    assert urlparse(page.url).path == "/audit"


def test_wrong_password_shows_the_generic_message(page: Page, portal_url: str) -> None:
    page.goto(f"{portal_url}/dashboard")
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    settle(page)
    page.get_by_role("textbox", name="Username").fill("leadership")
    page.get_by_role("textbox", name="Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("Sign-in failed")).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)


def test_sign_out_returns_to_the_sign_in_form(page: Page, portal_url: str) -> None:
    sign_in(page, portal_url, "leadership")
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    page.reload()
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)
