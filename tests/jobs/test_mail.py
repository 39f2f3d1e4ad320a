"""The mail path against a real SMTP server (aiosmtpd on 127.0.0.1): plain, STARTTLS with a test CA,
implicit TLS, a server that is down and one that accepts but never answers.

Messages are queued in the outbox by the services, sent by the send_outbox job, and parsed back from
what the server received: Date, Message-ID, text and HTML alternatives, absolute links, attachments.
"""

from __future__ import annotations

import socket
import ssl
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from ipaddress import IPv4Address
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pydantic import ValidationError
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from core.config import Settings
from core.db import make_session_factory
from core.models import JobRun, Notification, OutboxMessage, User
from core.rules.values import EmailEvent, NotificationKind
from core.services import outbox
from core.services.notifications import notify
from jobs.runner import execute_job
from tests.factories import actor, make_attendance, make_user

NOW = datetime(2026, 11, 20, 10, 0, 0)
BASE = "https://portal.example.org/training"


class Inbox:
    """An aiosmtpd handler that keeps every message it accepted."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's hook name
        self.envelopes.append(envelope)
        parsed = message_from_bytes(envelope.original_content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append(parsed)
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A test CA and a server certificate for 127.0.0.1 signed by it (PEM files)."""
    folder = tmp_path_factory.mktemp("tls")
    now = datetime.now(UTC)  # certificate validity only; the portal's clock is not involved
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Portal test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(True, False, False, False, False, True, True, False, False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(IPv4Address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    paths = {"ca": folder / "ca.pem", "cert": folder / "server.pem", "key": folder / "server.key"}
    paths["ca"].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths["cert"].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths["key"].write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return paths


def _server_context(certificates: dict[str, Path]) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(certificates["cert"], certificates["key"])
    return context


@pytest.fixture
def plain_server() -> Iterator[tuple[Inbox, int]]:
    inbox, port = Inbox(), _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


@pytest.fixture
def starttls_server(certificates: dict[str, Path]) -> Iterator[tuple[Inbox, int]]:
    inbox, port = Inbox(), _free_port()
    controller = Controller(
        inbox, hostname="127.0.0.1", port=port, tls_context=_server_context(certificates), require_starttls=True
    )
    controller.start()
    yield inbox, port
    controller.stop()


@pytest.fixture
def factory(committed_engine: Engine) -> sessionmaker[Session]:
    return make_session_factory(committed_engine)


def _settings(port: int, **extra: Any) -> Settings:
    values: dict[str, Any] = {
        "smtp_host": "127.0.0.1",
        "smtp_port": port,
        "smtp_from": "portal@training.example.org",
        "public_base_url": BASE,
        "programme_name": "Residency Programme",
        **extra,
    }
    return Settings(**values)


def _decision_mail(factory: sessionmaker[Session]) -> tuple[int, str]:
    """A trainee's logbook decision, notified the usual way: the outbox gets its e-mail twin."""
    with factory.begin() as session:
        trainee = make_user(session, "trainee")
        notify(
            session,
            user_id=trainee.id,
            kind=NotificationKind.LOGBOOK_APPROVED,
            title="Your logbook entry was approved",
            body="Dr Ann approved 'Central line' (2026-11-18).",
            link="/logbook?entry=12",
            now=NOW,
        )
        assert trainee.email is not None
        return trainee.id, trainee.email


def _outbox(factory: sessionmaker[Session]) -> list[OutboxMessage]:
    with factory() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def _run(factory: sessionmaker[Session], settings: Settings, now: datetime = NOW) -> Any:
    return execute_job("send_outbox", factory, now=now, settings=settings, clock=lambda: now)


def test_plain_relay_gets_date_message_id_text_html_and_absolute_links(
    factory: sessionmaker[Session], plain_server: tuple[Inbox, int]
) -> None:
    inbox, port = plain_server
    _user_id, address = _decision_mail(factory)
    summary = _run(factory, _settings(port, smtp_tls="none"))
    assert summary.status == "success" and summary.counts["emails_sent"] == 1
    [message] = inbox.messages
    assert message["To"] == address and message["Subject"] == "Your logbook entry was approved"
    assert parsedate_to_datetime(message["Date"]).tzinfo is not None
    message_id = str(message["Message-ID"]).strip()
    assert message_id.startswith("<") and message_id.endswith("@training.example.org>")
    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text is not None and html is not None
    assert f"{BASE}/logbook?entry=12" in text.get_content()
    assert f'href="{BASE}/logbook?entry=12"' in html.get_content()
    assert "Dr Ann approved &#x27;Central line&#x27;" in html.get_content()  # escaped, not raw HTML
    [row] = _outbox(factory)
    assert row.status == "sent" and row.sent_at == NOW and row.message_id == message_id
    assert _run(factory, _settings(port, smtp_tls="none")).counts["due"] == 0  # sent once, never again


def test_starttls_verifies_the_certificate_against_the_trust_store(
    factory: sessionmaker[Session],
    starttls_server: tuple[Inbox, int],
    certificates: dict[str, Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    inbox, port = starttls_server
    _decision_mail(factory)
    # Without the test CA in the trust store the server is not trusted: nothing is sent, the row waits.
    refused = _run(factory, _settings(port))
    assert refused.status == "failed" and inbox.messages == []
    [row] = _outbox(factory)
    assert row.status == "queued" and row.attempts == 1 and "CERTIFICATE_VERIFY_FAILED" in (row.last_error or "")
    assert row.next_attempt_at == NOW + timedelta(minutes=1)
    # With the CA trusted (OpenSSL reads SSL_CERT_FILE as the system store), the retry goes through.
    monkeypatch.setenv("SSL_CERT_FILE", str(certificates["ca"]))
    later = NOW + timedelta(minutes=1)
    accepted = _run(factory, _settings(port), now=later)
    assert accepted.status == "success" and len(inbox.messages) == 1
    assert _outbox(factory)[0].status == "sent"


def test_smtp_verify_false_is_the_escape_hatch(
    factory: sessionmaker[Session], starttls_server: tuple[Inbox, int]
) -> None:
    inbox, port = starttls_server
    _decision_mail(factory)
    assert _run(factory, _settings(port, smtp_verify=False)).status == "success"
    assert len(inbox.messages) == 1


def test_implicit_tls_on_a_465_style_port(
    factory: sessionmaker[Session], certificates: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    inbox, port = Inbox(), _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port, ssl_context=_server_context(certificates))
    monkeypatch.setenv("SSL_CERT_FILE", str(certificates["ca"]))
    controller.start()
    try:
        _decision_mail(factory)
        assert _run(factory, _settings(port, smtp_tls="ssl")).status == "success"
    finally:
        controller.stop()
    assert len(inbox.messages) == 1


def test_starttls_is_required_when_asked_for_never_silently_skipped(
    factory: sessionmaker[Session], plain_server: tuple[Inbox, int]
) -> None:
    inbox, port = plain_server  # this relay offers no STARTTLS
    _decision_mail(factory)
    summary = _run(factory, _settings(port, smtp_tls="starttls"))
    assert summary.status == "failed" and inbox.messages == []
    assert "STARTTLS" in (_outbox(factory)[0].last_error or "")


def test_a_server_that_is_down_fails_the_run_retries_with_backoff_then_gives_up_and_tells_admins(
    factory: sessionmaker[Session],
) -> None:
    with factory.begin() as session:
        admin = make_user(session, "admin")
        admin_id = admin.id
    _decision_mail(factory)
    settings = _settings(_free_port(), smtp_tls="none")  # nothing listens there
    moment = NOW
    for attempt in range(1, outbox.MAX_ATTEMPTS + 1):
        summary = _run(factory, settings, now=moment)
        assert summary.status == "failed" and summary.counts["emails_failed"] == 1
        assert "ConnectionRefusedError" in (summary.error or "")
        [row] = _outbox(factory)
        assert row.attempts == attempt
        if attempt < outbox.MAX_ATTEMPTS:
            assert row.status == "queued"
            wait = min(timedelta(hours=1), timedelta(minutes=2 ** (attempt - 1)))
            assert row.next_attempt_at == moment + wait
            assert _run(factory, settings, now=moment + wait - timedelta(seconds=1)).counts["due"] == 0  # not yet due
            moment += wait
    assert row.status == "failed"  # visibly failed after the limit
    with factory() as session:
        runs = session.scalars(select(JobRun.status).where(JobRun.job_id == "send_outbox")).all()
        told = session.scalars(
            select(Notification).where(Notification.user_id == admin_id, Notification.kind == "job_failed")
        ).all()
    assert runs.count("failed") == outbox.MAX_ATTEMPTS  # each attempt a failed run; the early runs found nothing due
    assert len(told) == 1 and told[0].link == "/system"  # once a day, not once a minute


def test_a_server_that_accepts_but_never_answers_costs_one_bounded_timeout_per_run(
    factory: sessionmaker[Session],
) -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)  # the kernel completes the handshake; nobody ever says "220"
    try:
        for _ in range(3):
            _decision_mail(factory)
        settings = _settings(listener.getsockname()[1], smtp_tls="none", smtp_timeout=1.5)
        started = time.monotonic()
        summary = _run(factory, settings)
        elapsed = time.monotonic() - started
    finally:
        listener.close()
    assert summary.status == "failed" and summary.counts["emails_failed"] == 3
    assert "timed out" in (summary.error or "")
    assert elapsed < 1.5 + 2.0  # one connection for the whole run, not one timeout per recipient


def test_the_smtp_timeout_is_at_most_ten_seconds() -> None:
    assert Settings().smtp_timeout == 10
    with pytest.raises(ValidationError):
        Settings(smtp_timeout=35)


def test_a_refused_recipient_does_not_stop_the_others_and_the_run_is_partial(
    factory: sessionmaker[Session], plain_server: tuple[Inbox, int]
) -> None:
    inbox, port = plain_server

    async def refuse_bounce(server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if address.startswith("bounce"):
            return "550 No such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    inbox.handle_RCPT = refuse_bounce  # type: ignore[attr-defined]
    with factory.begin() as session:
        outbox.queue_mail(session, to="bounce@example.org", subject="A", body="a", now=NOW)
        outbox.queue_mail(session, to="ok@example.org", subject="B", body="b", now=NOW, link="/inbox")
    summary = _run(factory, _settings(port, smtp_tls="none"))
    assert summary.status == "partial"
    assert (summary.counts["emails_sent"], summary.counts["emails_failed"]) == (1, 1)
    assert [m["To"] for m in inbox.messages] == ["ok@example.org"]
    assert [r.status for r in _outbox(factory)] == ["queued", "sent"]


def test_the_pack_arrives_with_its_pdf_attached(
    factory: sessionmaker[Session], plain_server: tuple[Inbox, int]
) -> None:
    inbox, port = plain_server
    pdf = b"%PDF-1.4 test"
    with factory.begin() as session:
        make_user(session, "leadership")
        outbox.queue_for_role(
            session,
            actor(session, make_user(session, "leadership")).role,
            EmailEvent.REPORTS,
            subject="Leadership pack 2026-09..2026-11",
            body="The weekly leadership pack is attached.",
            now=NOW,
            link="/reports",
            attachments=(("leadership-pack.pdf", pdf, "application/pdf"),),
        )
    assert _run(factory, _settings(port, smtp_tls="none")).counts["emails_sent"] == 2
    message = inbox.messages[0]
    assert message.get_content_type() == "multipart/mixed"
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == "leadership-pack.pdf" and attachment.get_content() == pdf
    body = message.get_body(("plain",))
    assert body is not None and f"{BASE}/reports" in body.get_content()


def test_preferences_decide_what_is_queued(factory: sessionmaker[Session]) -> None:
    user_id, _ = _decision_mail(factory)
    with factory.begin() as session:
        trainee = actor(session, session.get_one(User, user_id))
        assert outbox.get_email_preferences(session, trainee) == {
            EmailEvent.DECISIONS: True,
            EmailEvent.RESULTS: True,
            EmailEvent.DOCUMENTS: True,
            EmailEvent.AT_RISK: True,
        }
        outbox.set_email_preferences(session, trainee, {EmailEvent.DECISIONS: False}, now=NOW)
        notify(
            session,
            user_id=user_id,
            kind=NotificationKind.LOGBOOK_RETURNED,
            title="Returned",
            link="/logbook?entry=13",
            now=NOW,
        )
        notify(
            session, user_id=user_id, kind=NotificationKind.DOCUMENT_COMPLETED, title="Ready", link="/requests", now=NOW
        )
    assert [m.subject for m in _outbox(factory)] == ["Your logbook entry was approved", "Ready"]


def test_monthly_eligibility_warns_at_risk_trainees_once_in_the_inbox_and_by_email(
    factory: sessionmaker[Session], plain_server: tuple[Inbox, int]
) -> None:
    inbox, port = plain_server
    with factory.begin() as session:
        at_risk, fine = make_user(session, "trainee"), make_user(session, "trainee")
        for day, status in ((1, "present"), (2, "absent"), (5, "absent")):
            make_attendance(session, at_risk, date(2026, 10, day), status)
        make_attendance(session, fine, date(2026, 10, 1), "present")
        at_risk_id = at_risk.id
    settings = _settings(port, smtp_tls="none")
    first = execute_job("monthly_eligibility", factory, now=NOW, settings=settings)
    again = execute_job("monthly_eligibility", factory, now=NOW + timedelta(hours=1), settings=settings)
    assert (first.counts or {})["at_risk_warned"] >= 1 and (again.counts or {})["at_risk_warned"] == 0
    with factory() as session:
        warnings = session.scalars(select(Notification).where(Notification.kind == "at_risk_warning")).all()
    mine = [w for w in warnings if w.user_id == at_risk_id]
    assert len(mine) == 1 and mine[0].link == "/eligibility?period=2026-10" and "33.33%" in (mine[0].body or "")
    assert _run(factory, settings).status == "success"
    body = next(m for m in inbox.messages if "below" in str(m["Subject"])).get_body(("plain",))
    assert body is not None and f"{BASE}/eligibility?period=2026-10" in body.get_content()
