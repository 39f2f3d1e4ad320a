"""Transcript PDFs (text checked with pypdf, one page rendered with pdftoppm) and the QR
verification tokens: valid, expired, tampered; stored only as a hash."""

from __future__ import annotations

import hashlib
import io
import shutil
import subprocess
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from PIL import Image, ImageChops
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.config import Settings
from core.errors import NotFoundError, PermissionDeniedError
from core.models import AuditEvent, Notification, VerificationToken
from core.pdf import documents as documents_pdf
from core.services import settings as settings_service
from core.services.documents import transcripts as svc
from core.services.results import assessments as results_service
from core.services.results import scores as result_scores_service
from core.services.results import transitions as result_transitions_service
from tests.factories import NOW, actor, make_attendance, make_department, make_user

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
SETTINGS = Settings(public_base_url="https://portal.example.org/", programme_name="Residency Programme in Medicine")


@pytest.fixture
def scenario(session: Session) -> dict[str, object]:
    department = make_department(session, f"Internal Medicine & Co {NOW.microsecond}{id(session)}")
    admin, admin2 = actor(session, make_user(session, "admin")), actor(session, make_user(session, "admin"))
    supervisor = make_user(session, "supervisor", department=department)
    trainee = make_user(session, "trainee", department=department, supervisor=supervisor)
    for offset in range(20):
        make_attendance(
            session, trainee, NOW.date() - timedelta(days=offset + 1), "present" if offset < 17 else "absent"
        )
    titles = {"Written <paper> 1": ("frozen", "81"), "OSCE": ("published", "35"), "Viva (draft)": ("draft", "30")}
    for index, (title, (state, score)) in enumerate(titles.items()):
        created = results_service.create_assessment(
            session,
            admin,
            title=title,
            department_id=department.id,
            assessment_date=date(2026, 9, 1 + index),
            max_score=100 if index == 0 else 50,
            pass_mark=50 if index == 0 else 25,
            weight=30,
            group_name=f"Year 2 {department.id}",
            now=NOW,
        )
        result_scores_service.save_scores(
            session, admin, assessment_id=created.id, scores={trainee.registration_number: score}, now=NOW
        )
        if state != "draft":
            result_transitions_service.publish_results(session, admin, assessment_id=created.id, now=NOW)
        if state == "frozen":
            result_transitions_service.freeze_results(session, admin, assessment_id=created.id, now=NOW)
    return {"admin": admin, "admin2": admin2, "trainee": trainee, "supervisor": supervisor, "department": department}


def _text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def _token(url: str) -> str:
    return parse_qs(urlparse(url).query)["token"][0]


def test_transcript_pdf_holds_header_published_and_frozen_results_eligibility_date_and_link(
    session: Session, scenario: dict[str, object]
) -> None:
    trainee = scenario["trainee"]
    document = svc.generate_transcript(
        session,
        actor(session, trainee),
        trainee_id=trainee.id,
        now=NOW,  # type: ignore[attr-defined]
        settings=SETTINGS,
    )
    text = _text(document.content)
    assert "Residency Programme in Medicine" in text and "Academic transcript" in text
    assert trainee.full_name in text and trainee.registration_number in text  # type: ignore[attr-defined]
    assert "Written <paper> 1" in text and "81 / 100" in text and "frozen" in text
    assert "OSCE" in text and "35 / 50" in text and "published" in text
    assert "Viva (draft)" not in text
    assert "ELIGIBLE: 85% attended (17 of 20 sessions) against a threshold of 75%" in text
    assert f"Period: {(NOW.date() - timedelta(days=364)).isoformat()} to {NOW.date().isoformat()}" in text
    assert "Generated on 2026-11-20 10:00 UTC" in text
    assert document.verify_url.startswith("https://portal.example.org/verify?token=")
    assert document.verify_url.replace("\n", "") in text.replace("\n", "")
    assert document.expires_at == NOW + timedelta(hours=48)


def test_a_published_result_below_its_attendance_gate_says_so_on_the_transcript(
    session: Session, scenario: dict[str, object]
) -> None:
    trainee, admin, department = scenario["trainee"], scenario["admin"], scenario["department"]
    for day, status in ((1, "present"), (2, "absent"), (3, "absent"), (4, "absent")):
        make_attendance(session, trainee, date(2026, 7, day), status)  # type: ignore[arg-type]
    gated = results_service.create_assessment(
        session, admin, title="Gated paper", department_id=department.id, assessment_date=date(2026, 8, 1),  # type: ignore[arg-type, attr-defined]
        max_score=100, pass_mark=50, weight=10, group_name="Gated", eligibility_period="2026-07", now=NOW,
    )  # fmt: skip
    scores = {trainee.registration_number: "72"}  # type: ignore[attr-defined]
    result_scores_service.save_scores(session, admin, assessment_id=gated.id, scores=scores, now=NOW)  # type: ignore[arg-type]
    result_transitions_service.publish_results(session, admin, assessment_id=gated.id, now=NOW)  # type: ignore[arg-type]
    document = svc.generate_transcript(
        session, actor(session, trainee), trainee_id=trainee.id, now=NOW, settings=SETTINGS
    )  # type: ignore[arg-type, attr-defined]
    text = " ".join(_text(document.content).split())
    assert "Gated paper" in text and "PASS (ineligible: 25.00 % attended in 2026-07)" in text
    assert "PASS (" not in text.replace("PASS (ineligible: 25.00 % attended in 2026-07)", "")  # ungated rows: PASS


def test_the_qr_code_in_the_pdf_encodes_exactly_the_verify_link(session: Session, scenario: dict[str, object]) -> None:
    trainee = scenario["trainee"]
    document = svc.generate_transcript(session, scenario["admin"], trainee_id=trainee.id, now=NOW, settings=SETTINGS)  # type: ignore[arg-type, attr-defined]
    embedded = PdfReader(io.BytesIO(document.content)).pages[0].images[0].image.convert("L")

    def qr(link: str) -> Image.Image:
        return Image.open(io.BytesIO(documents_pdf.make_qr_png(link))).convert("L")

    assert ImageChops.difference(embedded, qr(document.verify_url)).getbbox() is None
    assert ImageChops.difference(embedded, qr(document.verify_url + "x")).getbbox() is not None


def test_transcript_renders_to_a_png_page(session: Session, scenario: dict[str, object], tmp_path: Path) -> None:
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (poppler-utils) is not installed")
    admin, trainee = scenario["admin"], scenario["trainee"]
    document = svc.generate_transcript(session, admin, trainee_id=trainee.id, now=NOW, settings=SETTINGS)  # type: ignore[arg-type, attr-defined]
    pdf = tmp_path / "transcript.pdf"
    pdf.write_bytes(document.content)
    subprocess.run(["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page")], check=True)
    png = next(tmp_path.glob("page*.png"))
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000
    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copy(png, ARTIFACTS / f"transcript-page1-{session.bind.dialect.name}.png")  # type: ignore[union-attr]


def test_token_is_random_stored_only_as_sha256_and_valid_for_the_setting_hours(
    session: Session, scenario: dict[str, object]
) -> None:
    admin, trainee = scenario["admin"], scenario["trainee"]
    settings_service.update_setting(session, admin, key="verify_token_hours", value=2, now=NOW)  # type: ignore[arg-type]
    first = svc.generate_transcript(session, admin, trainee_id=trainee.id, now=NOW, settings=SETTINGS)  # type: ignore[arg-type, attr-defined]
    second = svc.generate_transcript(session, admin, trainee_id=trainee.id, now=NOW, settings=SETTINGS)  # type: ignore[arg-type, attr-defined]
    token = _token(first.verify_url)
    assert token != _token(second.verify_url) and len(token) >= 40
    stored = session.scalars(select(VerificationToken).where(VerificationToken.trainee_id == trainee.id)).all()  # type: ignore[attr-defined]
    assert {row.token_hash for row in stored} >= {hashlib.sha256(token.encode()).hexdigest()}
    assert all(token not in (row.token_hash + row.summary) for row in stored)
    assert first.expires_at == NOW + timedelta(hours=2)


def test_a_valid_token_shows_only_name_date_and_summary(session: Session, scenario: dict[str, object]) -> None:
    trainee = scenario["trainee"]
    document = svc.generate_transcript(
        session, actor(session, trainee), trainee_id=trainee.id, now=NOW, settings=SETTINGS
    )  # type: ignore[attr-defined]
    outcome = svc.verify_token(session, token=_token(document.verify_url), now=NOW + timedelta(hours=47, minutes=59))
    assert outcome.valid and outcome.issued_to == trainee.full_name and outcome.issued_at == NOW  # type: ignore[attr-defined]
    assert outcome.summary == (
        "Academic transcript, Residency Programme in Medicine: 2 result(s) (1 frozen, 1 published); "
        f"attendance eligible (85% over {(NOW.date() - timedelta(days=364)).isoformat()}.."
        f"{NOW.date().isoformat()})."
    )


def test_an_expired_token_is_invalid_and_says_nothing_else(session: Session, scenario: dict[str, object]) -> None:
    trainee = scenario["trainee"]
    document = svc.generate_transcript(
        session, actor(session, trainee), trainee_id=trainee.id, now=NOW, settings=SETTINGS
    )  # type: ignore[attr-defined]
    outcome = svc.verify_token(session, token=_token(document.verify_url), now=NOW + timedelta(hours=48))
    assert (outcome.valid, outcome.issued_to, outcome.issued_at, outcome.summary) == (False, None, None, None)


@pytest.mark.parametrize(
    "mutate",
    [
        lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),
        lambda t: t + "x",
        lambda t: t[1:],
        lambda t: "",
        lambda t: "x" * 5000,
        lambda t: t.upper(),
    ],
)
def test_a_tampered_token_is_invalid(session: Session, scenario: dict[str, object], mutate) -> None:  # type: ignore[no-untyped-def]
    trainee = scenario["trainee"]
    document = svc.generate_transcript(
        session, actor(session, trainee), trainee_id=trainee.id, now=NOW, settings=SETTINGS
    )  # type: ignore[attr-defined]
    outcome = svc.verify_token(session, token=mutate(_token(document.verify_url)), now=NOW)
    assert outcome.valid is False and outcome.issued_to is None


def test_verification_needs_no_account_and_an_unknown_token_is_invalid(session: Session) -> None:
    assert svc.verify_token(session, token=None, now=NOW).valid is False
    assert svc.verify_token(session, token="not-a-real-token", now=NOW).valid is False


def test_generation_is_audited_and_an_admin_generating_notifies_the_trainee(
    session: Session, scenario: dict[str, object]
) -> None:
    admin, trainee = scenario["admin"], scenario["trainee"]
    svc.generate_transcript(session, admin, trainee_id=trainee.id, now=NOW, settings=SETTINGS)  # type: ignore[arg-type, attr-defined]
    assert session.scalars(select(AuditEvent.action).order_by(AuditEvent.id.desc())).first() == "transcript_generated"
    kinds = session.scalars(select(Notification.kind).where(Notification.user_id == trainee.id)).all()  # type: ignore[attr-defined]
    assert "transcript_generated" in kinds


@pytest.mark.parametrize("role", ["admin", "supervisor", "leadership", "trainee-self", "trainee-other"])
def test_who_may_generate_a_transcript(session: Session, scenario: dict[str, object], role: str) -> None:
    trainee = scenario["trainee"]
    department = scenario["department"]
    who = {
        "admin": scenario["admin"],
        "supervisor": actor(session, scenario["supervisor"]),  # type: ignore[arg-type]
        "leadership": actor(session, make_user(session, "leadership")),
        "trainee-self": actor(session, trainee),  # type: ignore[arg-type]
        "trainee-other": actor(session, make_user(session, "trainee", department=department)),  # type: ignore[arg-type]
    }[role]
    if role in ("admin", "trainee-self"):
        assert (
            svc.generate_transcript(session, who, trainee_id=trainee.id, now=NOW, settings=SETTINGS).content[:4]
            == b"%PDF"
        )  # type: ignore[arg-type, attr-defined]
    else:
        with pytest.raises(PermissionDeniedError):
            svc.generate_transcript(session, who, trainee_id=trainee.id, now=NOW, settings=SETTINGS)  # type: ignore[arg-type, attr-defined]


def test_a_transcript_for_a_non_trainee_is_not_found(session: Session, scenario: dict[str, object]) -> None:
    admin = scenario["admin"]
    with pytest.raises(NotFoundError):
        svc.generate_transcript(session, admin, trainee_id=admin.id, now=NOW, settings=SETTINGS)  # type: ignore[arg-type, attr-defined]


def test_transcript_prints_weighted_totals_and_why_a_group_has_none(
    session: Session, scenario: dict[str, object]
) -> None:
    trainee, admin = scenario["trainee"], scenario["admin"]
    final = results_service.create_assessment(
        session,
        admin,  # type: ignore[arg-type]
        title="Final paper",
        department_id=scenario["department"].id,  # type: ignore[attr-defined]
        assessment_date=date(2026, 10, 1),
        max_score=50,
        pass_mark=25,
        weight=100,
        group_name="Final exam 2026",
        now=NOW,
    )
    result_scores_service.save_scores(
        session,
        admin,
        assessment_id=final.id,
        scores={trainee.registration_number: "40"},
        now=NOW,  # type: ignore[arg-type, attr-defined]
    )
    result_transitions_service.publish_results(session, admin, assessment_id=final.id, now=NOW)  # type: ignore[arg-type]

    document = svc.generate_transcript(session, admin, trainee_id=trainee.id, now=NOW, settings=SETTINGS)  # type: ignore[arg-type, attr-defined]

    text = " ".join(_text(document.content).split())
    assert "Weighted totals (groups whose weights total 100%)" in text
    assert "Final exam 2026 Internal Medicine" in text and " 80 weights total 100%" in text
    assert "no total: weights total 90%, not 100%" in text
