"""Plain text everywhere (issue 14, item 1): no Markdown-rendering Streamlit call in pages/ or portal/ gets a
variable or an f-string value that is not wrapped in widgets.plain(), except the reviewed values below."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MARKDOWN_CALLS = {
    "markdown", "write", "caption", "info", "success", "warning", "error", "toast",
    "subheader", "header", "title", "expander", "metric",
    # widget labels and tab names render Markdown too, links and images included
    "button", "download_button", "form_submit_button", "link_button", "page_link", "checkbox", "toggle",
    "radio", "selectbox", "multiselect", "segmented_control", "pills", "slider", "select_slider",
    "text_input", "text_area", "number_input", "date_input", "time_input", "file_uploader", "tabs",
    "popover", "status",
}  # fmt: skip
# Values that are numbers, dates or the portal's own words (never typed or imported by a person), reviewed.
SAFE_CALLS = {"len", "int", "float", "plain", "_when", "percent_text", "strftime", "isoformat", "title", "upper"}
REVIEWED = {
    # portal's own constants, roles, job ids, statuses and labels it computes itself
    "pages/account.py: user.role",
    "pages/approvals.py: scope",
    "pages/approvals.py: shown",
    "pages/attendance.py: picked.id",
    "pages/attendance.py: FORMAT_HELP",
    "pages/dashboard.py: home.period_text",
    "pages/dashboard.py: _scope_note(user)",
    "pages/dashboard.py: label",
    "pages/dashboard.py: card.help",
    "pages/dashboard.py: card.base_text",
    "pages/dashboard.py: overview.period_label",
    "pages/dashboard.py: overview.previous_label",
    "pages/dashboard.py: last",
    "pages/dashboard.py: month_label(filters.end)",
    "pages/dashboard.py: risk.period_label",
    "pages/dashboard.py: home.sessions_left",
    "pages/dashboard.py: period_label(filters.start, filters.end)",
    "pages/dashboard.py: home.forecast",
    "pages/dashboard.py: home.sessions_needed",  # a count
    "pages/dashboard.py: entry.link",
    "pages/dashboard.py: note",
    "pages/eligibility.py: period.label",
    "pages/eligibility.py: stored['trainees']",
    "pages/inbox.py: badge",
    "pages/logbook.py: scope",
    "pages/logbook.py: label",
    "pages/requests.py: document.verify_url",
    "pages/requests.py: item.id",
    "pages/requests.py: item.kind_label",
    "pages/requests.py: item.status",
    "pages/results.py: a.draft",
    "pages/results.py: a.published",
    "pages/results.py: a.frozen",
    "pages/results.py: ineligible",
    "pages/results.py: a.eligibility_period",
    "pages/system.py: status.database_url",
    "pages/system.py: get_settings().timezone",
    "pages/system.py: loaders.settings.runtime_settings()['retention_job_runs_days']",
    "pages/system.py: settings.backup_dir",
    "pages/system.py: settings.backup_keep",
    "pages/system.py: job",
    "pages/system.py: operations.JOB_DESCRIPTIONS.get(job, '')",
    "pages/system.py: ', '.join(standby)",
    "pages/system.py: text",
    "pages/system.py: run['job']",
    "pages/system.py: _last_run_text(run)",  # status, times and counts of a job run
    "pages/system.py: run['id']",
    "pages/verify.py: INVALID",
    "portal/auth.py: settings.programme_name",
    "portal/auth.py: ', '.join(roles)",
    "portal/auth.py: user.role",
    "portal/auth.py: auth_service.GENERIC_FAILURE",
    "portal/auth.py: settings.demo_password",
    "portal/cli/common.py: content",  # sys.stdout.write in the CLI, not Streamlit
    "portal/cli/common.py: content.decode('utf-8')",
    "portal/logbook_views.py: STATUS_LABELS.get(item.status, item.status)",
    "portal/logbook_views.py: heading",
    "portal/logbook_views.py: item.age_days",
    "portal/widgets.py: message",  # empty_state: callers pass the portal's own sentences
    "portal/widgets.py: hint",
    # widget labels: the portal's own words, numbers and page titles
    "pages/account.py: MIN_LENGTH",
    "pages/account.py: EVENT_LABELS[event]",
    "pages/approvals.py: min(review.CARDS_PAGE, len(queue.items) - limit)",
    "pages/attendance.py: labels",
    "pages/attendance.py: limit",
    "pages/attendance.py: name",  # the portal's field names
    "pages/attendance.py: '\\n'.join((f'- {widgets.plain(line)}' for line in report.warnings))",
    "pages/dashboard.py: TABS",
    "pages/eligibility.py: chosen",
    "pages/inbox.py: target[0].title",
    "pages/inbox.py: sent",  # a time the portal formats (programme time zone, to the minute)
    "pages/results.py: names",
    "pages/results.py: label",
    "pages/system.py: TABS",
    "pages/system.py: spec.description",
    "pages/users.py: label",
    "portal/actions.py: label",
    "portal/logbook_views.py: submit_label",
    "portal/logbook_views.py: DECISIONS[d]",
    "portal/navigation.py: registered[spec.url_path]",
    "portal/navigation.py: label",
    "portal/review.py: BULK_VERBS[d][0]",
    "portal/review.py: count",
    "portal/widgets.py: page_of(spec)",
    "portal/widgets.py: label",  # link_to: callers pass the portal's own words
    "pages/leave.py: labels",
    "pages/leave.py: limit",  # a number of MB
    "pages/training.py: current.from_year or 'not set'",  # a number
    "pages/training.py: moving",  # a count
    "portal/confirm.py: label",  # ask_button and confirmed(): callers pass the portal's own words
    "portal/confirm.py: confirm",
    "portal/progress_views.py: heading",
    "portal/progress_views.py: year",
    "portal/progress_views.py: short_period(progress.window_start, progress.window_end)",
}


def _is_safe_call(node: ast.AST) -> bool:
    if not isinstance(node, ast.Call):
        return False
    name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
    return name in SAFE_CALLS


def _unwrapped(node: ast.AST) -> list[str]:
    if isinstance(node, ast.Constant) or _is_safe_call(node):
        return []
    if isinstance(node, ast.JoinedStr):
        found: list[str] = []
        for part in node.values:
            if isinstance(part, ast.FormattedValue) and part.format_spec is None:  # a format spec: a number or date
                found += _unwrapped(part.value)
        return found
    if isinstance(node, ast.List | ast.Tuple):  # tab names
        return [text for item in node.elts for text in _unwrapped(item)]
    if isinstance(node, ast.BinOp):
        return _unwrapped(node.left) + _unwrapped(node.right)
    if isinstance(node, ast.IfExp):
        return _unwrapped(node.body) + _unwrapped(node.orelse)
    return [ast.unparse(node)]


def _shown_modules() -> list[Path]:
    return sorted(
        [ROOT / "streamlit_app.py", *ROOT.joinpath("pages").rglob("*.py"), *ROOT.joinpath("portal").rglob("*.py")]
    )


def _styled(node: ast.Call) -> bool:
    """`getattr(st, kind, st.success)(message)`: an alert whose style is chosen at run time."""
    func = node.func
    return isinstance(func, ast.Call) and getattr(func.func, "id", "") == "getattr" and bool(func.args)


def find_unwrapped_markdown() -> list[str]:
    found = []
    for path in _shown_modules():
        relative = path.relative_to(ROOT).as_posix()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            if not (isinstance(node.func, ast.Attribute) and node.func.attr in MARKDOWN_CALLS) and not _styled(node):
                continue
            shown = node.args[:1] + [k.value for k in node.keywords if k.arg in ("label", "body", "help")]
            for value in shown:
                found += [f"{relative}:{node.lineno}: {text}" for text in _unwrapped(value)]
    return [f for f in found if f"{f.split(':')[0]}: {f.split(': ', 1)[1]}" not in REVIEWED]


def test_no_markdown_call_shows_a_value_that_is_not_plain_text() -> None:
    assert find_unwrapped_markdown() == []


def find_escaped_done_messages() -> list[str]:
    """The action seam shows `done=` messages through plain() itself, so one already escaped would show its
    backslashes: every `done=` value must be the words as they read."""
    found = []
    for path in _shown_modules():
        relative = path.relative_to(ROOT).as_posix()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.keyword) and node.arg == "done":
                found += [
                    f"{relative}:{inner.lineno}: {ast.unparse(inner)}"
                    for inner in ast.walk(node.value)
                    if _is_safe_call(inner) and "plain" in ast.unparse(inner).split("(")[0]
                ]
    return found


def test_done_messages_are_not_escaped_twice() -> None:
    assert find_escaped_done_messages() == []


def test_the_check_sees_an_alert_styled_at_run_time() -> None:
    call = ast.parse("getattr(st, kind, st.success)(message)").body[0].value  # type: ignore[attr-defined]
    assert _styled(call) and _unwrapped(call.args[0]) == ["message"]


def test_the_check_finds_an_unwrapped_value(tmp_path: Path) -> None:
    tree = ast.parse('st.caption(f"By {item.trainee_name} on {day:%Y-%m-%d} ({widgets.plain(item.title)})")')
    call = tree.body[0].value  # type: ignore[attr-defined]
    assert _unwrapped(call.args[0]) == ["item.trainee_name"]
