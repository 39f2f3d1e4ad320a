"""`python -m portal portfolio`: one portfolio PDF per trainee of a training year, through the page's service.

The QR code of each PDF is rendered (pdftoppm) and decoded (zbarimg) back to a /verify link whose
token the verify service accepts.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from sqlalchemy import Engine, func, select

from core.clock import utcnow
from core.config import get_settings
from core.db import make_session_factory
from core.models import ReportRun
from core.services.documents.transcripts import verify_token
from portal.cli import main
from tests.factories import make_department, make_user

BASE = "https://portal.example.org"


@pytest.fixture
def world(committed_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    monkeypatch.setenv("DATABASE_URL", committed_engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("PUBLIC_BASE_URL", BASE)
    get_settings.cache_clear()
    with make_session_factory(committed_engine).begin() as session:
        surgery, medicine = make_department(session), make_department(session)
        admin = make_user(session, "admin")
        first = make_user(session, "trainee", department=surgery)
        second = make_user(session, "trainee", department=medicine)
        later = make_user(session, "trainee", department=surgery)
        first.training_year, second.training_year, later.training_year = 2, 2, 3
        names = {
            "admin": admin.username,
            "first": str(first.registration_number),
            "second": str(second.registration_number),
            "surgery": surgery.name,
            "trainee_user": first.username,
        }
    yield names
    get_settings.cache_clear()


def _qr_links(pdf: Path) -> list[str]:
    subprocess.run(["pdftoppm", "-png", "-r", "150", str(pdf), str(pdf.with_suffix(""))], check=True)
    links = []
    for image in sorted(pdf.parent.glob(pdf.stem + "*.png")):
        decoded = subprocess.run(["zbarimg", "--quiet", "--raw", str(image)], capture_output=True, text=True)
        links += [line for line in decoded.stdout.split() if line]
    return links


@pytest.mark.skipif(not (shutil.which("pdftoppm") and shutil.which("zbarimg")), reason="needs poppler-utils and zbar")
def test_portfolio_writes_one_verifiable_pdf_per_trainee_of_the_year(
    world: dict[str, str], committed_engine: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "year2"
    assert main(["portfolio", "--year", "2", "--out", str(out), "--as", world["admin"]]) == 0

    files = sorted(out.glob("*.pdf"))
    assert len(files) == 2
    assert {world["first"], world["second"]} == {f.name.split("-year-")[0].removeprefix("portfolio-") for f in files}
    assert "portfolios=2 year=2" in capsys.readouterr().out
    for pdf in files:
        (link,) = _qr_links(pdf)
        assert link.startswith(f"{BASE}/verify?token=")
        token = parse_qs(urlparse(link).query)["token"][0]
        with make_session_factory(committed_engine).begin() as session:
            assert verify_token(session, token=token, now=utcnow()).valid
    with make_session_factory(committed_engine).begin() as session:
        assert session.scalar(select(func.count()).select_from(ReportRun).where(ReportRun.kind == "portfolio")) == 2


def test_portfolio_filters_by_department_and_refuses_a_trainee_or_an_empty_year(
    world: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    one = tmp_path / "surgery"
    assert (
        main(["portfolio", "--year", "2", "--out", str(one), "--as", world["admin"], "--department", world["surgery"]])
        == 0
    )
    assert [f.name.startswith(f"portfolio-{world['first']}-") for f in one.glob("*.pdf")] == [True]

    assert main(["portfolio", "--year", "2", "--out", str(tmp_path / "x"), "--as", world["trainee_user"]]) == 1
    assert "Not allowed" in capsys.readouterr().err
    assert main(["portfolio", "--year", "5", "--out", str(tmp_path / "y"), "--as", world["admin"]]) == 1
    assert "No active trainee in your scope is in training year 5" in capsys.readouterr().err
    assert not (tmp_path / "y").exists()
