"""Results: assessments, the review grid, publish/freeze and change requests (admins edit; others read)."""

from collections.abc import Callable

import pandas as pd
import streamlit as st

from core.clock import today as programme_today
from core.dto import AssessmentSummary, UserSummary
from core.rules.access import ADMIN, ALL_ROLES, TRAINEE
from core.rules.values import ChangeRequestStatus, ResultState
from core.services.results import assessments as results_service
from core.services.results import changes as result_changes_service
from core.services.results import scores as result_scores_service
from core.services.results import transitions as result_transitions_service
from portal import actions, auth, confirm, loaders, tables, widgets
from portal.progress_views import training_filters

RESULTS = actions.Write.RESULTS
NOT_ENTERED = "not entered"  # the grid's state for a trainee with no result yet

ROLES = ALL_ROLES
GRID_COLUMNS = ["trainee_id", "trainee", "supervisor", "state", "score", "percentage", "grade", "result", "flag"]
EXPORT_COLUMNS = [
    "assessment",
    "group",
    "date",
    "department",
    "trainee_id",
    "trainee",
    "supervisor",
    "score",
    "max_score",
    "percentage",
    "grade",
    "result",
    "state",
    "eligible",
    "flag",
    "published_at",
    "frozen_at",
]


def render() -> None:
    user = auth.require_role(*ROLES)
    st.title("📝 Results")
    if user.role == TRAINEE:
        _section_my_results(user)
        return
    items = loaders.results.assessments(user)
    names = ["Review grid", "Change requests"] + (["Assessments"] if user.role == ADMIN else [])
    # Keyed and bound to the URL so an action's rerun (and its flash message) keeps the tab.
    tabs = st.tabs(names, key="results.tab", bind="query-params")
    with tabs[0]:
        chosen = _section_grid(user, items)
    with tabs[1]:
        _section_change_requests(user, chosen)
    if user.role == ADMIN:
        with tabs[2]:
            _section_assessments(user, items)


def _section_my_results(user: UserSummary) -> None:
    frame = loaders.results.visible_results(user)
    if frame.empty:
        widgets.empty_state(
            "No published results yet.", "You will be notified in your inbox when a result is published."
        )
        return
    st.caption("Published and frozen results. Frozen results are final. Get a transcript on the Documents page.")
    shown = frame[["assessment", "group", "date", "score", "max_score", "percentage", "grade", "result", "state"]]
    tables.show(shown, hide_index=True, width="stretch")
    widgets.download_buttons(shown, name="my-results", key="results.mine.download")
    _section_weighted(loaders.training.weighted_totals(user, user.id), key="results.mine.totals")


def _pick_assessment(items: list[AssessmentSummary]) -> AssessmentSummary | None:
    if not items:
        widgets.empty_state("No assessments to show.", "Admins create assessments in the Assessments tab.")
        return None
    ids = [a.id for a in items]
    wanted = widgets.url_param("assessment")
    index = ids.index(int(wanted)) if wanted and wanted.isdigit() and int(wanted) in ids else 0
    by_id = {a.id: a for a in items}
    chosen = st.selectbox(
        "Assessment", ids, index=index, format_func=lambda i: by_id[i].label, key="results.assessment"
    )
    widgets.set_url_params(assessment=chosen)
    return by_id[chosen]


def _section_grid(user: UserSummary, items: list[AssessmentSummary]) -> AssessmentSummary | None:
    assessment = _pick_assessment(items)
    if assessment is None:
        return None
    a = assessment
    st.caption(
        f"Group **{widgets.plain(a.group_name)}** · weight {a.weight:g}% · max {a.max_score:g} · pass mark {a.pass_mark:g} · "
        f"{a.draft} draft · {a.published} published · {a.frozen} frozen"
        + (f" · eligibility gate: {widgets.plain(a.eligibility_period)}" if a.eligibility_period else "")
    )
    if not a.group_complete:
        st.warning(f"Group '{widgets.plain(a.group_name)}' weights total {a.group_total:g}%, not 100%.", icon="⚠️")
    frame = loaders.results.review_grid(user, a.id)
    training_year, cohort = training_filters(user, key="results")
    if training_year is not None and not frame.empty:
        frame = frame[frame["training_year"] == training_year].reset_index(drop=True)
    if cohort is not None and not frame.empty:
        frame = frame[frame["cohort"] == cohort].reset_index(drop=True)
    if frame.empty:
        widgets.empty_state("No results in your view for this assessment.")
        return assessment
    ineligible = int((frame["eligible"] == False).sum())  # noqa: E712 - None means "no gate"
    if ineligible:
        st.warning(
            f"{ineligible} trainee(s) were not eligible on attendance for {a.eligibility_period}: see the flag column."
        )
    if user.role == ADMIN:
        _admin_grid(user, a, frame)
    else:
        tables.show(
            frame[GRID_COLUMNS],
            hide_index=True,
            width="stretch",
            column_config={
                "trainee_id": st.column_config.TextColumn("Registration number"),
                "flag": st.column_config.TextColumn("eligibility flag", width="large"),
            },
        )
    export = frame[[c for c in EXPORT_COLUMNS if c in frame.columns]]
    widgets.download_buttons(export, name=f"results-{a.id}", key="results.grid.download")
    totals = loaders.training.weighted_totals(user, None)
    mine = totals[
        (totals["group"].str.casefold() == a.group_name.casefold())
        & totals["owner"].isin([a.department_name, "Programme-wide"])
    ]
    _section_weighted(mine, key=f"results.grid.totals.{a.id}")
    _section_history(user, frame)
    return assessment


def _section_weighted(totals: pd.DataFrame, *, key: str) -> None:
    """Weighted totals (Σ score / max × weight) of groups at exactly 100 %, or why a group has none."""
    if totals.empty:
        return
    st.subheader("Weighted totals")
    st.caption(
        "Σ score / max × weight over a group's published results; only a group whose weights total 100% has one."
    )
    shown = totals[["trainee_id", "trainee", "group", "owner", "weighted_total", "note"]].rename(
        columns={"owner": "belongs_to"}
    )
    tables.show(shown, hide_index=True, width="stretch")
    widgets.download_buttons(shown, name="weighted-totals", key=key)


def _admin_grid(user: UserSummary, a: AssessmentSummary, frame: pd.DataFrame) -> None:
    key = f"results.grid.{a.id}"
    grid = frame[["result_id", *GRID_COLUMNS]].copy()
    grid.insert(0, "select", False)
    st.caption(
        "Type scores for draft or not-entered rows, then **Save draft scores**. Tick rows to publish or freeze them."
    )
    editable = ("select", "score") if grid["state"].isin([ResultState.DRAFT, NOT_ENTERED]).any() else ("select",)
    edited = st.data_editor(
        grid,
        key=key,
        hide_index=True,
        width="stretch",
        num_rows="fixed",
        height=min(640, 38 + 35 * len(grid)),
        disabled=[c for c in grid.columns if c not in editable],
        column_config={
            "select": st.column_config.CheckboxColumn("✔", width="small"),
            "result_id": None,
            "trainee_id": st.column_config.TextColumn("Registration number"),
            "score": st.column_config.NumberColumn("score", min_value=0.0, max_value=a.max_score, step=0.5),
            "flag": st.column_config.TextColumn("eligibility flag", width="large"),
        },
    )
    selected = [int(r) for r in edited.loc[edited["select"] & edited["result_id"].notna(), "result_id"]]
    changed = {
        str(t): s
        for t, s, old in zip(edited["trainee_id"], edited["score"], grid["score"], strict=True)
        if not (pd.isna(s) and pd.isna(old)) and s != old
    }
    cols = st.columns(5)
    if cols[0].button(
        f"💾 Save draft scores ({len(changed)})", key="results.save", disabled=not changed, type="primary"
    ):
        with st.spinner("Saving…"):
            actions.run(
                lambda session, now: result_scores_service.save_scores(
                    session, user, assessment_id=a.id, scores=changed, now=now
                ),
                affects=RESULTS,
                done=lambda r: f"Saved: {r.created} new, {r.updated} changed, {r.unchanged} unchanged.",
                after=_forget(key),
            )
    if cols[1].button(f"Publish selected ({len(selected)})", key="results.publish_selected", disabled=not selected):
        with st.spinner("Saving…"):
            actions.run(
                lambda session, now: result_transitions_service.publish_results(
                    session, user, assessment_id=a.id, result_ids=selected, now=now
                ),
                affects=RESULTS,
                done=lambda n: f"Published {n} result(s).",
                after=_forget(key),
            )
    confirm.ask_button("Publish all drafts", key="results.publish_all", disabled=a.draft == 0, container=cols[2])
    confirm.ask_button(
        f"Freeze selected ({len(selected)})", key="results.freeze_selected", disabled=not selected, container=cols[3]
    )
    confirm.ask_button("Freeze all published", key="results.freeze_all", disabled=a.published == 0, container=cols[4])
    _confirm_transitions(user, a, selected, key)
    with st.expander("Upload scores from a CSV file (trainee_id,score)"):
        st.caption("trainee_id is the registration number. All or nothing: any bad row and nothing is saved.")
        upload = st.file_uploader("Scores file", type=["csv"], key="results.upload")
        if upload is not None and st.button("Load scores", key="results.upload.go"):
            content, name = upload.getvalue(), upload.name
            with st.spinner("Saving…"):
                actions.run(
                    lambda session, now: result_scores_service.import_scores_csv(
                        session, user, assessment_id=a.id, content=content, now=now, file_name=name
                    ),
                    affects=RESULTS,
                    done=lambda r: f"Loaded {name}: {r.created} new, {r.updated} changed, {r.unchanged} unchanged.",
                    after=_forget(key),
                )


def _confirm_transitions(user: UserSummary, a: AssessmentSummary, selected: list[int], key: str) -> None:
    """Publish all, freeze selected and freeze all ask first, naming how many results they change."""
    title = a.title
    if confirm.confirmed(
        "results.publish_all",
        f"Publish all {a.draft:,} draft results of {title}? Trainees see them at once; "
        "after that a score changes only through a change request.",
        confirm=f"Yes, publish {a.draft:,} results",
    ):
        _transition(user, a, None, key, freeze=False)
    if confirm.confirmed(
        "results.freeze_selected",
        f"Freeze the {len(selected):,} selected results of {title}? Frozen results are final.",
        confirm=f"Yes, freeze {len(selected):,} results",
    ):
        _transition(user, a, selected, key, freeze=True)
    if confirm.confirmed(
        "results.freeze_all",
        f"Freeze all {a.published:,} published results of {title}? Frozen results are final.",
        confirm=f"Yes, freeze {a.published:,} results",
    ):
        _transition(user, a, None, key, freeze=True)


def _transition(user: UserSummary, a: AssessmentSummary, ids: list[int] | None, key: str, *, freeze: bool) -> None:
    service = result_transitions_service.freeze_results if freeze else result_transitions_service.publish_results
    with st.spinner("Saving…"):
        actions.run(
            lambda session, now: service(session, user, assessment_id=a.id, result_ids=ids, now=now),
            affects=RESULTS,
            done=lambda n: f"Froze {n} result(s). Frozen results are final." if freeze else f"Published {n} result(s).",
            after=_forget(key),
        )


def _forget(key: str) -> Callable[[object], None]:
    """After a write: drop a widget's state (the grid's edits, a form's values) so it shows what was saved."""

    def forget(_result: object) -> None:
        st.session_state.pop(key, None)

    return forget


def _section_history(user: UserSummary, frame: pd.DataFrame) -> None:
    rows = frame[frame["result_id"].notna()]
    if rows.empty:
        return
    with st.expander("Value history of one result (who, when, old, new, why)"):
        options = {
            int(r["result_id"]): f"{r['trainee']} ({r['trainee_id']}) · {r['state']}" for r in rows.to_dict("records")
        }
        chosen = st.selectbox(
            "Show the history of", list(options), format_func=lambda i: options[i], index=None, key="results.history"
        )
        if chosen is not None:
            history = loaders.results.result_history(user, chosen)
            tables.show(history, hide_index=True, width="stretch")
            widgets.download_buttons(
                history, name=f"result-{chosen}-history", key="results.history.download", xlsx=False
            )


def _section_change_requests(user: UserSummary, assessment: AssessmentSummary | None) -> None:
    if user.role == ADMIN and assessment is not None:
        _raise_change(user, assessment)
    pending = loaders.results.change_requests(user, ChangeRequestStatus.PENDING)
    st.subheader(f"Pending ({len(pending)})")
    for item in pending:
        with st.container(border=True):
            st.markdown(
                f"**{widgets.plain(item.assessment_title)}** · {widgets.plain(item.trainee_name)} "
                f"({widgets.plain(item.registration_number)}): "
                f"{item.old_score:g} → **{item.new_score:g}**  \nReason: {widgets.plain(item.reason)}  \n"
                f"Raised by {widgets.plain(item.requested_by)} on {item.requested_at:%Y-%m-%d %H:%M}"
            )
            if user.role != ADMIN:
                continue
            if item.requested_by_id == user.id:
                st.caption("You raised this request: another admin must decide it.")
                continue
            comment = st.text_input("Comment (required to reject)", key=f"results.cr.comment.{item.id}")
            left, right = st.columns(2)
            for column, approve, label in ((left, True, "Approve"), (right, False, "Reject")):
                if column.button(
                    label, key=f"results.cr.{label.lower()}.{item.id}", type="primary" if approve else "secondary"
                ):
                    _decide(user, item.id, approve=approve, comment=comment)
    everything = loaders.results.change_requests(user, None)
    frame = pd.DataFrame([vars(i) for i in everything]) if everything else pd.DataFrame()
    st.subheader("All change requests")
    if frame.empty:
        widgets.empty_state("No change requests yet.")
        return
    frame = frame[
        [
            "id",
            "status",
            "assessment_title",
            "trainee_name",
            "registration_number",
            "old_score",
            "new_score",
            "reason",
            "requested_by",
            "requested_at",
            "decided_by",
            "decided_at",
            "decision_comment",
            "result_id",
        ]
    ]
    tables.show(frame, hide_index=True, width="stretch")
    widgets.download_buttons(frame, name="change-requests", key="results.cr.download")


def _decide(user: UserSummary, request_id: int, *, approve: bool, comment: str) -> None:
    with st.spinner("Saving…"):
        actions.run(
            lambda session, now: result_changes_service.decide_change(
                session, user, request_id=request_id, approve=approve, comment=comment, now=now
            ),
            affects=RESULTS,
            done=lambda r: f"Change request {r.status}.",
            after=_forget("results.cr"),
        )


def _raise_change(user: UserSummary, assessment: AssessmentSummary) -> None:
    grid = loaders.results.review_grid(user, assessment.id)
    published = grid[grid["state"] == "published"] if not grid.empty else grid
    with st.expander(
        f"Raise a change request on a published result of {widgets.plain(assessment.title)}", expanded=False
    ):
        st.caption("The assessment is the one chosen in the Review grid tab.")
        if published.empty:
            st.caption("There are no published results. Draft scores are edited in the grid; frozen ones are final.")
            return
        options = {
            int(r["result_id"]): f"{r['assessment']} · {r['trainee']} ({r['trainee_id']}) · {r['score']:g}"
            for r in published.to_dict("records")
        }
        with st.form("results.cr.new", clear_on_submit=True):
            result_id = st.selectbox(
                "Published result", list(options), format_func=lambda i: options[i], index=None, key="results.cr.result"
            )
            new_score = st.number_input("New value", min_value=0.0, step=0.5, value=None, key="results.cr.value")
            reason = st.text_area("Reason (required)", key="results.cr.reason")
            if st.form_submit_button("Raise change request", type="primary"):
                if result_id is None:
                    st.error("Choose a result.")
                    return
                with st.spinner("Saving…"):
                    actions.run(
                        lambda session, now: result_changes_service.request_change(
                            session, user, result_id=result_id, new_score=new_score, reason=reason, now=now
                        ),
                        affects=RESULTS,
                        done=lambda r: f"Change request #{r.id} raised; another admin must approve it.",
                        after=_forget("results.cr"),
                    )


def _section_assessments(user: UserSummary, items: list[AssessmentSummary]) -> None:
    frame = pd.DataFrame(
        [
            {
                "title": a.title,
                "department": a.department_name,
                "date": a.assessment_date,
                "group": a.group_name,
                "weight": a.weight,
                "max_score": a.max_score,
                "pass_mark": a.pass_mark,
                "eligibility_period": a.eligibility_period or "",
                "draft": a.draft,
                "published": a.published,
                "frozen": a.frozen,
            }
            for a in items
        ]
    )
    tables.show(frame, hide_index=True, width="stretch")
    widgets.download_buttons(frame, name="assessments", key="results.assessments.download")
    st.subheader("Group weights")
    tables.show(loaders.results.group_weights(user), hide_index=True)
    departments = dict(loaders.users.departments())
    with st.form("results.new_assessment"):
        st.subheader("New assessment")
        title = st.text_input("Title", key="results.new.title")
        department = st.selectbox(
            "Department",
            list(departments),
            format_func=lambda i: departments[i],
            index=None,
            key="results.new.department",
        )
        held = st.date_input("Date", value=programme_today(), key="results.new.date")
        c1, c2, c3 = st.columns(3)
        max_score = c1.number_input("Maximum score", min_value=0.0, value=100.0, key="results.new.max")
        pass_mark = c2.number_input("Pass mark", min_value=0.0, value=50.0, key="results.new.pass")
        weight = c3.number_input(
            "Weight in group (%)", min_value=0.0, max_value=100.0, value=100.0, key="results.new.weight"
        )
        group = st.text_input("Group (for example 'Year 2 written')", key="results.new.group")
        programme_wide = st.checkbox(
            "Programme-wide group (otherwise the group belongs to this department)", key="results.new.programme_wide"
        )
        period = st.text_input(
            "Eligibility period (optional: YYYY-MM, YYYY-Qn, YYYY or a date range)", key="results.new.period"
        )
        if st.form_submit_button("Create assessment", type="primary"):
            if department is None:
                st.error("Choose a department.")
                return
            with st.spinner("Saving…"):
                actions.run(
                    lambda session, now: results_service.create_assessment(
                        session,
                        user,
                        title=title,
                        department_id=department,
                        assessment_date=held,
                        max_score=max_score,
                        pass_mark=pass_mark,
                        weight=weight,
                        group_name=group,
                        eligibility_period=period or None,
                        programme_wide=programme_wide,
                        now=now,
                    ),
                    affects=RESULTS,
                    done=lambda r: f"Created '{r.title}' in group '{r.group_name}'.",
                    after=_forget("results.new"),
                )


if __name__ == "__main__":
    from portal.legacy import run_router

    run_router(__file__)
