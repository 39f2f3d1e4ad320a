"""`python -m portal issue-transcripts`: one verifiable PDF per trainee, through the page's service.

Each PDF's QR code is rendered (pdftoppm) and decoded (zbarimg) back to a /verify link whose token
the verify service accepts, for the name printed on the transcript.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from sqlalchemy import Engine, select

from core.clock import utcnow
from core.config import get_settings
from core.db import make_session_factory
from core.models import AuditEvent, VerificationToken
from core.services.documents.transcripts import verify_token
from portal.cli import main
from tests.factories import make_department, make_user

BASE = "https://portal.example.org"
UNICODE_NAME = "Zoë Ñúñez-Łukasiewicz 王芳"


@pytest.fixture
def world(committed_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    monkeypatch.setenv("DATABASE_URL", committed_engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("PUBLIC_BASE_URL", BASE)
    get_settings.cache_clear()
    with make_session_factory(committed_engine).begin() as session:
        department = make_department(session)
        admin = make_user(session, "admin")
        first = make_user(session, "trainee", department=department)
        first.full_name = UNICODE_NAME
        second = make_user(session, "trainee", department=department)
        make_user(session, "trainee", department=department, active=False)
        names = {
            "admin": admin.username,
            "first": str(first.registration_number),
            "second": str(second.registration_number),
            "trainee_user": second.username,
        }
    yield names
    get_settings.cache_clear()


def _qr_link(pdf: Path) -> str:
    subprocess.run(
        ["pdftoppm", "-png", "-r", "150", "-f", "1", "-l", "1", str(pdf), str(pdf.with_suffix(""))], check=True
    )
    image = next(pdf.parent.glob(pdf.stem + "*.png"))
    decoded = subprocess.run(["zbarimg", "--quiet", "--raw", str(image)], check=True, capture_output=True, text=True)
    return decoded.stdout.strip()


@pytest.mark.skipif(shutil.which("zbarimg") is None or shutil.which("pdftoppm") is None, reason="zbar-tools/poppler")
def test_every_active_trainee_gets_a_pdf_whose_qr_code_verifies(
    world: dict[str, str], committed_engine: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "transcripts"
    assert main(["issue-transcripts", "--as", world["admin"], "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    files = sorted(out.glob("*.pdf"))
    assert sorted(world[k] for k in ("first", "second")) == sorted(
        next(n for n in (world["first"], world["second"]) if f"transcript-{n}-" in f.name) for f in files
    )  # one file per active trainee, named by registration number; the inactive one gets none
    assert len(files) == 2 and "issued=2" in printed
    assert all(oct(f.stat().st_mode & 0o777) == "0o600" for f in files)
    with make_session_factory(committed_engine)() as session:
        for pdf in files:
            link = _qr_link(pdf)
            assert link.startswith(f"{BASE}/verify?token=")
            outcome = verify_token(session, token=parse_qs(urlparse(link).query)["token"][0], now=utcnow())
            assert outcome.valid
            text = subprocess.run(["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
            assert outcome.issued_to in text
        assert session.scalar(select(VerificationToken).where(VerificationToken.document_kind == "transcript"))
        audits = session.scalars(select(AuditEvent).where(AuditEvent.action == "transcript_generated")).all()
        assert len(audits) == 2
    assert any(
        UNICODE_NAME in subprocess.run(["pdftotext", str(f), "-"], capture_output=True, text=True).stdout for f in files
    )


def test_named_trainees_only_and_unknown_numbers_issue_nothing(
    world: dict[str, str], committed_engine: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "one"
    assert main(["issue-transcripts", "--as", world["admin"], "--trainee", world["second"], "--out", str(out)]) == 0
    assert [f.name for f in out.glob("*.pdf")] == [next(out.glob("*.pdf")).name]
    assert world["second"] in next(out.glob("*.pdf")).name
    capsys.readouterr()
    refused = tmp_path / "refused"
    args = ["issue-transcripts", "--as", world["admin"], "--trainee", world["first"], "--trainee", "NO-SUCH", "--out"]
    assert main([*args, str(refused)]) == 1
    assert "NO-SUCH" in capsys.readouterr().err
    assert not refused.exists() or not list(refused.glob("*.pdf"))


def test_a_trainee_cannot_issue_everyones_transcripts(
    world: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["issue-transcripts", "--as", world["trainee_user"], "--out", str(tmp_path / "x")]) == 1
    assert "administrator" in capsys.readouterr().err
