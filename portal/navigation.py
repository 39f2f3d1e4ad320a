"""Page registry and the role-filtered menu.

Every page is registered on every run (hidden navigation) so reloads and bookmarks keep their
URL even before the sign-in cookie is read; the visible menu is filtered by role.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType
from urllib.parse import parse_qsl, urlsplit

import streamlit as st
from streamlit.navigation.page import StreamlitPage

from core.dto import UserSummary
from pages import (
    account,
    approvals,
    attendance,
    audit,
    dashboard,
    eligibility,
    inbox,
    leave,
    logbook,
    programme_calendar,
    progress,
    reports,
    requests,
    results,
    system,
    training,
    users,
    verify,
)
from portal import loaders
from portal.widgets import plain


@dataclass(frozen=True)
class PageSpec:
    module: ModuleType
    title: str
    icon: str
    url_path: str
    section: str

    @property
    def roles(self) -> tuple[str, ...]:
        return tuple(self.module.ROLES)


PAGES: tuple[PageSpec, ...] = (
    PageSpec(dashboard, "Dashboard", "📊", "dashboard", "Overview"),
    PageSpec(inbox, "Inbox", "🔔", "inbox", "Overview"),
    PageSpec(logbook, "Logbook", "📓", "logbook", "Training"),
    PageSpec(approvals, "Approvals", "✅", "approvals", "Training"),
    PageSpec(progress, "Progress", "📈", "progress", "Training"),
    PageSpec(attendance, "Attendance", "🗓️", "attendance", "Training"),
    PageSpec(eligibility, "Eligibility", "🎓", "eligibility", "Training"),
    PageSpec(leave, "Leave", "🌴", "leave", "Training"),
    PageSpec(results, "Results", "📝", "results", "Assessment"),
    PageSpec(requests, "Documents", "📄", "requests", "Assessment"),
    PageSpec(reports, "Reports", "📑", "reports", "Reports"),
    PageSpec(users, "Users", "👥", "users", "Administration"),
    PageSpec(training, "Training years", "🧭", "training", "Administration"),
    PageSpec(programme_calendar, "Calendar", "📅", "calendar", "Administration"),
    PageSpec(audit, "Audit log", "🕵️", "audit", "Administration"),
    PageSpec(system, "System", "⚙️", "system", "Administration"),
    PageSpec(account, "My account", "🔑", "account", "Account"),
    PageSpec(verify, "Verify a document", "🔎", "verify", "Public"),
)


def allowed_pages(role: str) -> list[PageSpec]:
    """The pages a role may open, in menu order."""
    return [spec for spec in PAGES if role in spec.roles]


def resolve_link(link: str | None) -> tuple[PageSpec, dict[str, str]] | None:
    """The page and query parameters an in-app link such as "/approvals?entry=12" points at.

    None for anything that is not one of the portal's own pages (a notification never carries an
    outside address, but the inbox must not render one if it did).
    """
    if not link:
        return None
    parts = urlsplit(link)
    if parts.scheme or parts.netloc:
        return None
    spec = next((s for s in PAGES if s.url_path == parts.path.strip("/")), None)
    if spec is None:
        return None
    return spec, dict(parse_qsl(parts.query))


def page_of(spec: PageSpec) -> StreamlitPage:
    """The st.Page of a spec; Streamlit identifies pages by URL path, so it equals the one build() registers."""
    return st.Page(spec.module.render, title=spec.title, icon=spec.icon, url_path=spec.url_path)


def build(user: UserSummary | None) -> StreamlitPage:
    """Register every page and draw the role-filtered sidebar menu; returns the current page."""
    registered = {spec.url_path: page_of(spec) for spec in PAGES}
    # The default page is served at "/" with an empty URL path, so "/dashboard" would not
    # resolve if the dashboard itself were the default; "/" gets its own page showing it.
    home = st.Page(_home, title="Dashboard", icon="📊", url_path="home", default=True)
    current = st.navigation([home, *registered.values()], position="hidden")
    if user is not None:
        _sidebar(user, registered)
    return current


def needs_sign_in(page: StreamlitPage) -> bool:
    """True unless the page is public (the document check)."""
    spec = next((s for s in PAGES if s.url_path == page.url_path), None)
    return spec is None or spec.section != "Public"


def menu(user: UserSummary) -> None:
    """Draw the signed-in menu (for a sign-in made in this run, after `build` drew none)."""
    _sidebar(user, {spec.url_path: page_of(spec) for spec in PAGES})


def _home() -> None:
    dashboard.render()


def _sidebar(user: UserSummary, registered: dict[str, StreamlitPage]) -> None:
    from portal.auth import sign_out_button

    with st.sidebar:
        st.markdown(
            f"### 🎓 Training Portal\n**{plain(user.full_name)}**  \n{user.role.title()}"
            + (f" · {plain(user.department_name)}" if user.department_name else "")
        )
        section = None
        unread = loaders.notifications.unread_count(user.id) if user.id is not None else 0
        for spec in allowed_pages(user.role):
            if spec.section == "Public":
                continue
            if spec.section != section:
                section = spec.section
                st.caption(section.upper())
            label = f"{spec.title} ({unread})" if spec.url_path == "inbox" and unread else spec.title
            st.page_link(registered[spec.url_path], label=label, icon=spec.icon)
        st.divider()
        sign_out_button(user)
