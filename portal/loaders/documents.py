"""Cached reads of document requests."""

from __future__ import annotations

import ipaddress
import secrets

import streamlit as st

from core.clock import utcnow
from core.dto import (
    DocumentRequestItem,
    UserSummary,
    VerificationOutcome,
)
from core.services.documents import requests as document_service
from core.services.documents import verify_limit
from portal.db import session_scope
from portal.state import VERIFY_CLIENT


@st.cache_data(ttl=30, show_spinner=False)
def requests(actor: UserSummary) -> list[DocumentRequestItem]:
    with session_scope() as session:
        return list(document_service.list_document_requests(session, actor))


def document_file(actor: UserSummary, request_id: int) -> tuple[str, bytes]:
    """An issued PDF (file name, bytes) in the actor's scope; not cached (large, and read once when picked)."""
    with session_scope() as session:
        return document_service.get_document_file(session, actor, request_id=request_id)


def verification(token: str | None) -> VerificationOutcome:
    """What the public verify page may show for a QR token, checked against the clock now (not cached).

    Each call counts one attempt for this client (the per-minute limit, in the database so replicas share
    it); over the limit it raises ConflictError("Too many checks; try again in a minute.").
    """
    with session_scope() as session:
        return verify_limit.verify_token_limited(session, token=token, client=client_key(), now=utcnow())


def client_key() -> str:
    """Who is checking, for the /verify limit: the connecting address, or the proxy's X-Forwarded-For hop.

    X-Forwarded-For is believed only when the connection itself comes from a loopback or private address
    (a reverse proxy in front of the portal); its last entry is the one that proxy added. Without an
    address (Streamlit gives none for localhost connections, nor in tests) the browser session counts.
    """
    address: str | None = None
    forwarded: str | None = None
    try:
        address = _address(st.context.ip_address)
        header = st.context.headers.get("X-Forwarded-For")
        forwarded = header if isinstance(header, str) else None
    except Exception:  # noqa: BLE001 - outside a browser connection there is no request
        pass
    if forwarded and (address is None or _is_local(address)):
        hop = forwarded.split(",")[-1].strip()
        if hop:
            return f"ip:{hop}"
    if address:
        return f"ip:{address}"
    if VERIFY_CLIENT not in st.session_state:  # lives as long as the browser session
        st.session_state[VERIFY_CLIENT] = secrets.token_hex(16)
    return f"session:{st.session_state[VERIFY_CLIENT]}"


def _address(value: object) -> str | None:
    """A real IP address, or None (AppTest's context answers with a stand-in object)."""
    if not isinstance(value, str):
        return None
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def _is_local(address: str) -> bool:
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return False
    return parsed.is_loopback or parsed.is_private


def clear() -> None:
    """Forget every cached documents read (the invalidation table decides when)."""
    requests.clear()
