"""Calendar: the programme's holidays and term breaks and each department's session weekdays (admins)."""

from datetime import date

import pandas as pd
import streamlit as st

from core import clock
from core.dto import ClosureItem, UserSummary
from core.rules.access import ADMIN
from core.rules.leave import WEEKDAY_NAMES, weekdays_text
from core.rules.values import CalendarDayKind
from core.services.attendance import programme_calendar as calendar_service
from portal import actions, auth, loaders, tables, widgets

ROLES = (ADMIN,)
KIND_LABELS = {CalendarDayKind.HOLIDAY: "Holiday", CalendarDayKind.TERM_BREAK: "Term break"}
EVERY_DEPARTMENT = 0


def render() -> None:
    user = auth.require_role(*ROLES)
    st.title("📅 Programme calendar")
    st.caption(
        "Sessions are expected on each department's weekdays, except on holidays and term breaks (the whole "
        "programme's, or the department's own). The missing-attendance monitor on Attendance counts these days, "
        "and an attendance file with a row dated on a closure gets a warning in its preview."
    )
    closures, weekdays = st.tabs(["Holidays and term breaks", "Session weekdays"], key="calendar.tab")
    with closures:
        _section_closures(user)
    with weekdays:
        _section_weekdays(user)


def _departments(user: UserSummary) -> dict[int, str]:
    return {item.department_id: item.department for item in loaders.leave.department_weekdays(user)}


def _section_closures(user: UserSummary) -> None:
    departments = _departments(user)
    with st.form("calendar.new", clear_on_submit=True):
        name = st.text_input("Name", key="calendar.new.name", placeholder="e.g. Christmas Day, Winter break")
        left, middle, right = st.columns(3)
        kind = left.selectbox("Kind", list(KIND_LABELS), format_func=lambda k: KIND_LABELS[k], key="calendar.new.kind")
        start = middle.date_input("From", value=clock.today(), key="calendar.new.start")
        end = right.date_input("To (inclusive)", value=clock.today(), key="calendar.new.end")
        department = st.selectbox(
            "Department",
            [EVERY_DEPARTMENT, *departments],
            format_func=lambda i: departments.get(i, "Every department"),
            key="calendar.new.department",
        )
        if st.form_submit_button("Add to the calendar", type="primary"):
            actions.run(
                lambda session, now: calendar_service.add_closure(
                    session,
                    user,
                    name=name,
                    kind=str(kind),
                    start=start if isinstance(start, date) else clock.today(),
                    end=end if isinstance(end, date) else clock.today(),
                    department_id=department or None,
                    now=now,
                ),
                affects=actions.Write.CALENDAR,
                done=lambda item: f"{item.name} added: {item.start:%d %b %Y} – {item.end:%d %b %Y}.",
            )
    items = loaders.leave.closures(user)
    if not items:
        widgets.empty_state("No holidays or term breaks yet.", "Add them above; sessions are then not expected then.")
        return
    frame = _closures_frame(items)
    tables.show(frame.drop(columns=["ID"]), hide_index=True, width="stretch")
    widgets.download_buttons(frame.drop(columns=["ID"]), name="programme-calendar", key="calendar.download")
    names = {i.id: f"{i.name} ({i.start:%d %b %Y})" for i in items}
    chosen = st.selectbox("Remove", list(names), format_func=lambda i: names[i], index=None, key="calendar.remove.pick")
    if chosen is not None and st.button("Remove from the calendar", key="calendar.remove"):
        actions.run(
            lambda session, now: calendar_service.delete_closure(session, user, closure_id=int(chosen), now=now),
            affects=actions.Write.CALENDAR,
            done=lambda removed: f"{removed} removed from the calendar.",
        )


def _closures_frame(items: list[ClosureItem]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "ID": [i.id for i in items],
            "Name": [i.name for i in items],
            "Kind": [KIND_LABELS.get(CalendarDayKind(i.kind), i.kind) for i in items],
            "From": [i.start for i in items],
            "To": [i.end for i in items],
            "Days": [(i.end - i.start).days + 1 for i in items],
            "Department": [i.department or "Every department" for i in items],
        }
    )


def _section_weekdays(user: UserSummary) -> None:
    items = loaders.leave.department_weekdays(user)
    if not items:
        widgets.empty_state("No departments yet.")
        return
    frame = pd.DataFrame(
        {
            "Department": [i.department for i in items],
            "Session weekdays": [weekdays_text(i.weekdays) for i in items],
            "Set": ["yes" if i.configured else "default (Mon–Fri)" for i in items],
        }
    )
    tables.show(frame, hide_index=True, width="stretch")
    widgets.download_buttons(frame, name="session-weekdays", key="calendar.weekdays.download")
    names = {i.department_id: i.department for i in items}
    department = st.selectbox(
        "Department", list(names), format_func=lambda i: names[i], key="calendar.weekdays.department"
    )
    current = next(i.weekdays for i in items if i.department_id == department)
    days = st.multiselect(
        "Holds sessions on",
        list(range(1, 8)),
        default=list(current),
        format_func=lambda d: WEEKDAY_NAMES[d - 1],
        key=f"calendar.weekdays.days.{department}",
    )
    if st.button("Save weekdays", key="calendar.weekdays.save"):
        actions.run(
            lambda session, now: calendar_service.set_department_weekdays(
                session, user, department_id=int(department), weekdays=list(days), now=now
            ),
            affects=actions.Write.CALENDAR,
            done=lambda item: f"{item.department} holds sessions on {weekdays_text(item.weekdays)}.",
        )


if __name__ == "__main__":
    from portal.legacy import run_router

    run_router(__file__)
