"""The suite checks itself: the layering rules (import-linter contracts), strict typing of core,
jobs, portal and pages (mypy), ruff, and the shape of the tests themselves (every test asserts; no
test imports another)."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TESTS = ROOT / "tests"
BIN = Path(sys.executable).parent
TYPED = ("core", "jobs", "portal", "pages", "streamlit_app.py")


def _run(tool: str, *args: str, timeout: int = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN / tool), *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout)


def test_import_contracts_are_kept() -> None:
    result = _run("lint-imports")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_core_jobs_portal_and_pages_type_check_strictly() -> None:
    """`mypy --strict` (strict = true in pyproject.toml) on the domain, the jobs and the UI."""
    result = _run("mypy", *TYPED, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues found in" in result.stdout


def test_the_tree_is_ruff_formatted() -> None:
    result = _run("ruff", "format", "--check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_tree_passes_ruff_check() -> None:
    result = _run("ruff", "check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_skipped_postgresql_halves_are_summed_up_in_one_line() -> None:
    """Without TEST_DATABASE_URL the PostgreSQL halves get one summary line; other skips keep theirs."""
    env = {k: v for k, v in os.environ.items() if k != "TEST_DATABASE_URL"}
    probe = "tests/integration/test_logbook_race.py"  # three PostgreSQL halves, three other skips on SQLite
    command = [sys.executable, "-m", "pytest", probe, "-q", "-p", "no:randomly", "-p", "no:cacheprovider"]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    skipped = [re.sub(r":\d+:", ":N:", line) for line in result.stdout.splitlines() if line.startswith("SKIPPED [")]
    assert skipped == [
        f"SKIPPED [1] {probe}:N: the race needs real concurrent writers (PostgreSQL)",
        f"SKIPPED [1] {probe}:N: the race needs real concurrent writers (PostgreSQL)",
        f"SKIPPED [1] {probe}:N: the race needs real concurrent writers (PostgreSQL)",
        "SKIPPED [3] the PostgreSQL half of each test: TEST_DATABASE_URL not set to PostgreSQL",
    ]
    assert "6 skipped" in result.stdout.splitlines()[-1]


# The tests themselves ------------------------------------------------------------------------------

# Calls that check something: pytest's own, Playwright's `expect(...)`, and helpers named for it.
CHECKING_CALL = re.compile(r"^_?(assert_|expect|check_)|^(raises|warns|deprecated_call|fail)$")
# Shared test code lives at the top of tests/; a tier's own modules (tests.<tier>.*) stay in it.
SHARED = {"tests.conftest", "tests.factories", "tests.scenarios"}


def _test_modules() -> Iterator[Path]:
    yield from sorted(TESTS.rglob("test_*.py"))


def _module_name(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts)


def _called_name(call: ast.Call) -> str | None:
    if isinstance(call.func, ast.Name):
        return call.func.id
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    return None


def _checks(function: ast.AST, local: dict[str, ast.AST], seen: set[str]) -> bool:
    """Does `function` assert, expect a raise, or call (through this module's helpers) something that does?"""
    for node in ast.walk(function):
        if isinstance(node, ast.Assert):
            return True
        if not isinstance(node, ast.Call) or (name := _called_name(node)) is None:
            continue
        if CHECKING_CALL.search(name):
            return True
        if name in local and name not in seen:
            seen.add(name)
            if _checks(local[name], local, seen):
                return True
    return False


def _assertless_tests(source: str) -> list[str]:
    tree = ast.parse(source)
    local: dict[str, ast.AST] = {
        node.name: node for node in ast.walk(tree) if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    }
    return [name for name, node in local.items() if name.startswith("test_") and not _checks(node, local, {name})]


def test_the_assertion_check_sees_helpers_and_context_managers() -> None:
    source = """
def _helper(x):
    assert x
def _indirect(x):
    _helper(x)
def test_direct(): assert 1
def test_through_helpers(): _indirect(1)
def test_raises():
    with pytest.raises(ValueError): int("x")
def test_playwright(page): expect(page.get_by_text("x")).to_be_visible()
def test_named_helper(): check_totals(1)
def test_only_calls(): print(_other())
def test_only_waits(page): page.get_by_text("x").wait_for()
"""
    assert _assertless_tests(source) == ["test_only_calls", "test_only_waits"]


@pytest.mark.parametrize("path", list(_test_modules()), ids=lambda p: str(p.relative_to(TESTS)))
def test_every_test_checks_something(path: Path) -> None:
    """A test that neither asserts, expects a raise, nor calls a checking helper cannot fail."""
    assert _assertless_tests(path.read_text(encoding="utf-8")) == []


def _imported_modules(source: str) -> Iterator[str]:
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module
            yield from (f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)


@pytest.mark.parametrize("path", sorted(TESTS.rglob("*.py")), ids=lambda p: str(p.relative_to(TESTS)))
def test_tests_share_code_only_through_the_shared_modules(path: Path) -> None:
    """No module imports a test module, and no tier imports another tier's code: what several
    tiers need lives in tests/factories.py or tests/scenarios.py."""
    own_tier = _module_name(path).split(".")[:2]
    wrong = []
    for module in _imported_modules(path.read_text(encoding="utf-8")):
        parts = module.split(".")
        if parts[0] != "tests" or len(parts) < 2:
            continue
        if any(part.startswith("test_") for part in parts[1:]):
            wrong.append(f"{module} (a test module)")
        elif len(parts) > 2 and ".".join(parts[:2]) not in SHARED and parts[:2] != own_tier:
            wrong.append(f"{module} (another tier's code)")
    assert wrong == []


SOURCE_ROOTS = ("core", "portal", "pages", "jobs", "bench", "tests")


def _private_imports_from_other_packages(module_name: str, source: str) -> list[str]:
    """Modules `source` imports that are private (a `_name` part) to a package `module_name` is not in."""
    own_package = module_name.split(".")[:-1]
    wrong = []
    for module in _imported_modules(source):
        parts = module.split(".")
        for depth, part in enumerate(parts):
            if part.startswith("_") and not part.startswith("__"):
                # A private module belongs to its package; a private name to its module's package.
                is_module = (ROOT.joinpath(*parts[: depth + 1]).with_suffix(".py")).exists()
                owner = parts[:depth] if is_module else parts[: depth - 1]
                if own_package[: len(owner)] != owner:
                    wrong.append(module)
                break
    return wrong


def test_the_package_private_check_sees_a_sibling_package_reaching_in() -> None:
    source = "from core.services.results._common import RESULTS_LINK\nimport core.services.results.changes\n"
    assert _private_imports_from_other_packages("core.services.reports.pack", source) == [
        "core.services.results._common",
        "core.services.results._common.RESULTS_LINK",
    ]
    assert _private_imports_from_other_packages("core.services.results.changes", source) == []


def test_package_private_helpers_stay_in_their_package() -> None:
    """Sibling helpers shared inside a domain package (`core/services/<domain>/_common.py`) are
    private to it: no module outside that package imports them (issue 15)."""
    wrong = {
        str(path.relative_to(ROOT)): found
        for root in SOURCE_ROOTS
        for path in sorted((ROOT / root).rglob("*.py"))
        if (found := _private_imports_from_other_packages(_module_name(path), path.read_text(encoding="utf-8")))
    }
    assert wrong == {}
