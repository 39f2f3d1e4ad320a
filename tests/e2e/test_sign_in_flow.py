"""In a real browser: each role's menu, the role gate, deep links and reloads, sign-out."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest

from portal.navigation import allowed_pages
from tests.e2e.conftest import screenshot, sign_in

pytestmark = pytest.mark.e2e


def _menu(page) -> list[str]:  # type: ignore[no-untyped-def]
    links = page.locator('[data-testid="stSidebar"] [data-testid="stPageLink"]').all_inner_texts()
    return [text.split("\n")[-1].split(" (")[0].strip() for text in links]


@pytest.mark.parametrize("username", ["admin", "supervisor", "leadership", "trainee"])
def test_each_demo_role_sees_exactly_its_pages(page, portal_url: str, username: str) -> None:  # type: ignore[no-untyped-def]
    sign_in(page, portal_url, username)
    expected = [spec.title for spec in allowed_pages(username) if spec.section != "Public"]
    page.wait_for_timeout(500)
    assert _menu(page) == expected
    screenshot(page, f"sign-in-{username}")


def test_supervisor_opening_users_sees_not_allowed(page, portal_url: str) -> None:  # type: ignore[no-untyped-def]
    sign_in(page, portal_url, "supervisor", path="users")
    page.get_by_text("Not allowed").wait_for()
    assert page.get_by_role("tab", name="New user").count() == 0
    screenshot(page, "users-not-allowed-supervisor")


def test_reloading_approvals_as_supervisor_keeps_the_page_and_the_sign_in(page, portal_url: str) -> None:  # type: ignore[no-untyped-def]
    sign_in(page, portal_url, "supervisor", path="approvals")
    assert urlparse(page.url).path == "/approvals"
    page.reload()
    page.get_by_role("button", name="Sign out").wait_for()
    page.get_by_role("heading", name="Approvals").first.wait_for()
    assert urlparse(page.url).path == "/approvals"
    screenshot(page, "approvals-after-reload")


def test_a_bookmarked_deep_link_signed_out_shows_sign_in_then_lands_on_that_page(page, portal_url: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{portal_url}/audit")
    page.get_by_role("button", name="Sign in").wait_for()
    assert page.get_by_text("Page not found").count() == 0
    sign_in(page, portal_url, "admin", path="audit")
    page.get_by_role("heading", name="Audit log").first.wait_for()
    assert urlparse(page.url).path == "/audit"


def test_wrong_password_shows_the_generic_message(page, portal_url: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{portal_url}/dashboard")
    page.get_by_role("textbox", name="Username").fill("leadership")
    page.get_by_role("textbox", name="Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text("Sign-in failed").wait_for()
    assert page.get_by_role("button", name="Sign out").count() == 0


def test_sign_out_returns_to_the_sign_in_form(page, portal_url: str) -> None:  # type: ignore[no-untyped-def]
    sign_in(page, portal_url, "leadership")
    page.get_by_role("button", name="Sign out").click()
    page.get_by_role("button", name="Sign in").wait_for()
    page.reload()
    page.get_by_role("button", name="Sign in").wait_for()
