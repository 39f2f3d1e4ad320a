"""The invalidation table: every write names its stale domains, and every domain's clear() is complete."""

from __future__ import annotations

import ast
import inspect
from types import ModuleType

import pytest

from portal import loaders
from portal.invalidation import STALE, Write, stale_domains


def _cached_loaders(module: ModuleType) -> set[str]:
    tree = ast.parse(inspect.getsource(module))
    names = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            for decorator in node.decorator_list:
                target = decorator.func if isinstance(decorator, ast.Call) else decorator
                if ast.unparse(target).endswith("cache_data"):
                    names.add(node.name)
    return names


def _cleared_by_clear(module: ModuleType) -> set[str]:
    tree = ast.parse(inspect.getsource(module.clear))
    return {
        node.func.value.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "clear"
        and isinstance(node.func.value, ast.Name)
    }


def test_every_kind_of_write_has_a_row_in_the_table() -> None:
    assert set(STALE) == set(Write)


def test_the_table_names_only_loader_domains_that_exist_and_uses_every_one() -> None:
    named = frozenset().union(*STALE.values())
    assert named <= set(loaders.DOMAINS), named - set(loaders.DOMAINS)
    assert set(loaders.DOMAINS) <= named, set(loaders.DOMAINS) - named


@pytest.mark.parametrize("domain", sorted(loaders.DOMAINS))
def test_each_domains_clear_forgets_every_cached_loader_in_it(domain: str) -> None:
    module = loaders.DOMAINS[domain]
    cached = _cached_loaders(module)
    assert cached, f"portal.loaders.{domain} caches nothing"
    assert _cleared_by_clear(module) == cached


def test_cache_data_appears_only_in_the_loaders() -> None:
    import pathlib

    root = pathlib.Path(__file__).resolve().parents[2]
    offenders = [
        str(path.relative_to(root))
        for folder in ("portal", "pages", "core", "jobs")
        for path in (root / folder).rglob("*.py")
        if "cache_data" in path.read_text() and "loaders" not in path.parts
    ]
    assert offenders == []


def test_audited_writes_clear_the_audit_log() -> None:
    # Logbook decisions once left the audit log stale; every write below is audited by its service.
    for kind in (Write.LOGBOOK_DECISION, Write.LOGBOOK_ENTRY, Write.ATTENDANCE_IMPORT, Write.RESULTS, Write.USERS):
        assert "audit" in stale_domains(kind), kind


def test_a_job_run_from_the_web_clears_what_jobs_write() -> None:
    # Jobs write notifications (reminders), snapshots (eligibility) and reports (the pack).
    assert {"notifications", "attendance", "reports", "operations"} <= stale_domains(Write.JOB_RUN)


def test_several_writes_combine_their_domains() -> None:
    combined = stale_domains([Write.NOTIFICATIONS_READ, Write.REPORT])
    assert combined == STALE[Write.NOTIFICATIONS_READ] | STALE[Write.REPORT]


def test_the_architecture_page_shows_the_same_table() -> None:
    import pathlib

    doc = (pathlib.Path(__file__).resolve().parents[2] / "docs" / "architecture.md").read_text()
    block = doc.split("<!-- invalidation-table:start -->")[1].split("<!-- invalidation-table:end -->")[0]
    rows = {
        cells[0]: set(cells[1].split(", "))
        for line in block.strip().splitlines()[2:]
        if (cells := [cell.strip() for cell in line.strip("|").split("|")])
    }
    assert rows == {str(kind): set(domains) for kind, domains in STALE.items()}
