"""Training years: logbook requirements per training year, each trainee's year and cohort, the
year-end promotion (preview, then confirm) and the dated history (admins)."""

from datetime import date

import pandas as pd
import streamlit as st

from core import clock
from core.dto import PromotionRow, UserSummary
from core.rules.access import ADMIN
from core.services.training import requirements as requirements_service
from core.services.training import years as years_service
from portal import actions, auth, loaders, tables, widgets

ROLES = (ADMIN,)


def render() -> None:
    user = auth.require_role(*ROLES)
    st.title("🧭 Training years")
    st.caption(
        "Targets count approved logbook entries in the trainee's current training year. A trainee is behind "
        "when, past the checkpoint of the year, a target is under its share (both are settings on System)."
    )
    tab_req, tab_year, tab_promote, tab_history = st.tabs(
        ["Requirements", "Year and cohort", "Year-end promotion", "History"], key="training.tab", bind="query-params"
    )
    with tab_req:
        _section_requirements(user)
    with tab_year:
        _section_set_year(user)
    with tab_promote:
        _section_promotion(user)
    with tab_history:
        _section_history(user)


def _years() -> list[int]:
    return list(range(1, int(str(loaders.settings.runtime_settings().get("training_years", 5))) + 1))


def _section_requirements(user: UserSummary) -> None:
    items = loaders.training.requirements(user)
    if items:
        frame = pd.DataFrame(
            [
                {
                    "training_year": i.training_year,
                    "department": i.department_name,
                    "target": i.label,
                    "category": i.category,
                    "title": i.title or "",
                    "minimum": i.minimum,
                }
                for i in items
            ]
        )
        tables.show(frame, width="stretch")
        widgets.download_buttons(frame, name="logbook-requirements", key="training.req.download")
        by_id = {i.id: i for i in items}
        chosen = st.selectbox(
            "Remove a requirement",
            list(by_id),
            index=None,
            placeholder="Choose a requirement…",
            format_func=lambda i: f"Year {by_id[i].training_year} · {by_id[i].department_name} · {by_id[i].label}",
            key="training.req.remove",
        )
        if chosen is not None and st.button("Remove it", key="training.req.remove.go"):
            actions.run(
                lambda session, now: requirements_service.delete_requirement(
                    session, user, requirement_id=chosen, now=now
                ),
                affects=actions.Write.TRAINING,
                done=lambda r: f"Removed: year {r.training_year}, {r.label}.",
            )
    else:
        widgets.empty_state("No requirements yet.", "Add the first one below.")
    _requirement_form(user)


def _requirement_form(user: UserSummary) -> None:
    categories = [str(c) for c in loaders.settings.runtime_settings().get("logbook_categories") or []]  # type: ignore[attr-defined]
    departments = dict(loaders.users.departments())
    with st.form("training.req.new", clear_on_submit=True):
        st.markdown("**Add a requirement**")
        left, middle, right = st.columns(3)
        year = left.selectbox("Training year", _years(), key="training.req.year")
        category = middle.selectbox("Category", categories, key="training.req.category")
        minimum = right.number_input(
            "Minimum approved entries", min_value=1, max_value=10000, value=10, key="training.req.minimum"
        )
        dept_ids = [0, *departments]
        department = st.selectbox(
            "Department", dept_ids, format_func=lambda i: departments.get(i, "All departments"), key="training.req.dept"
        )
        title = st.text_input("Required title (optional), e.g. Central line insertion", key="training.req.title")
        if st.form_submit_button("Add requirement", type="primary"):
            actions.run(
                lambda session, now: requirements_service.create_requirement(
                    session,
                    user,
                    training_year=int(year),
                    category=str(category),
                    minimum=int(minimum),
                    department_id=department or None,
                    title=title or None,
                    now=now,
                ),
                affects=actions.Write.TRAINING,
                done=lambda r: f"Added: year {r.training_year}, {r.label} ({r.department_name}).",
            )


def _section_set_year(user: UserSummary) -> None:
    trainees = {p.trainee_id: p for p in loaders.training.promotion_preview(user, None, None, None)}
    chosen = st.selectbox(
        "Trainee",
        list(trainees),
        index=None,
        placeholder="Choose a trainee…",
        format_func=lambda i: f"{trainees[i].trainee_name} ({trainees[i].registration_number})",
        key="training.set.trainee",
    )
    if chosen is None:
        return
    current = trainees[chosen]
    st.caption(
        f"Now: training year {current.from_year or 'not set'}, "
        f"cohort {widgets.plain(current.cohort) if current.cohort else 'not set'}."
    )
    with st.form("training.set", clear_on_submit=False):
        left, middle, right = st.columns(3)
        options = [0, *_years()]
        year = left.selectbox(
            "Training year",
            options,
            index=options.index(current.from_year) if current.from_year in options else 0,
            format_func=lambda y: f"Year {y}" if y else "None",
            key=f"training.set.year.{chosen}",
        )
        cohort = middle.text_input(
            "Cohort (intake)",
            value=current.cohort or "",
            key=f"training.set.cohort.{chosen}",
            placeholder="e.g. 2026 intake",
        )
        effective = right.date_input("Effective from", value=clock.today(), key="training.set.effective")
        if st.form_submit_button("Save year and cohort", type="primary"):
            actions.run(
                lambda session, now: years_service.set_training_year(
                    session,
                    user,
                    trainee_id=chosen,
                    training_year=year or None,
                    cohort=cohort,
                    effective_on=effective if isinstance(effective, date) else clock.today(),
                    now=now,
                ),
                affects=actions.Write.TRAINING,
                done=lambda r: f"{r.trainee_name}: training year {r.to_year or 'none'}, cohort {r.cohort or 'none'}.",
            )


def _section_promotion(user: UserSummary) -> None:
    st.caption("Preview who moves up one training year; nothing changes until you confirm. Final-year trainees stay.")
    departments = dict(loaders.users.departments())
    cohorts = loaders.training.cohorts(user)
    left, middle, right = st.columns(3)
    dept_ids = [0, *departments]
    department = left.selectbox(
        "Department", dept_ids, format_func=lambda i: departments.get(i, "All departments"), key="training.promote.dept"
    )
    year_options = [0, *_years()]
    from_year = middle.selectbox(
        "From training year",
        year_options,
        format_func=lambda y: f"Year {y}" if y else "All years",
        key="training.promote.year",
    )
    cohort = right.selectbox(
        "Cohort", ["", *cohorts], format_func=lambda c: c or "All cohorts", key="training.promote.cohort"
    )
    preview = loaders.training.promotion_preview(user, department or None, cohort or None, from_year or None)
    if not preview:
        widgets.empty_state("No active trainees match.")
        return
    frame = _preview_frame(preview)
    moving = sum(1 for p in preview if p.to_year is not None)
    tables.show(frame, width="stretch")
    widgets.download_buttons(frame, name="promotion-preview", key="training.promote.download")
    effective = st.date_input("Effective from", value=clock.today(), key="training.promote.effective")
    confirmed = st.checkbox(f"I have checked the preview: promote {moving} trainee(s)", key="training.promote.confirm")
    if st.button("Promote", key="training.promote.go", type="primary", disabled=not confirmed or moving == 0):
        actions.run(
            lambda session, now: years_service.promote_trainees(
                session,
                user,
                preview=preview,
                effective_on=effective if isinstance(effective, date) else clock.today(),
                now=now,
            ),
            affects=actions.Write.TRAINING,
            done=lambda r: f"Promoted {r.promoted} trainee(s) from {r.effective_on:%d %b %Y}; {r.skipped} stayed.",
        )


def _preview_frame(preview: list[PromotionRow]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "trainee_id": p.registration_number or "",
                "trainee": p.trainee_name,
                "department": p.department_name,
                "cohort": p.cohort or "",
                "from_year": p.from_year,
                "to_year": p.to_year,
                "note": p.note,
            }
            for p in preview
        ],
        columns=["trainee_id", "trainee", "department", "cohort", "from_year", "to_year", "note"],
    )


def _section_history(user: UserSummary) -> None:
    history = loaders.training.year_history(user)
    if not history:
        widgets.empty_state("No training-year changes yet.")
        return
    frame = pd.DataFrame(
        [
            {
                "trainee": h.trainee_name,
                "from_year": h.from_year,
                "to_year": h.to_year,
                "from_cohort": h.from_cohort or "",
                "to_cohort": h.to_cohort or "",
                "effective_on": h.effective_on,
                "reason": h.reason,
                "by": h.actor_name,
                "at": h.at,
            }
            for h in history
        ]
    )
    tables.show(frame, width="stretch")
    widgets.download_buttons(frame, name="training-year-history", key="training.history.download")
