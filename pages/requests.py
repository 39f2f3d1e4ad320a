"""Documents: document requests and transcripts (trainees request and download, admins decide and issue)."""

import streamlit as st

from core.config import get_settings
from core.dto import DocumentRequestItem, UserSummary
from core.rules.access import ADMIN, TRAINEE
from core.rules.results import DOCUMENT_KINDS
from core.rules.values import DocumentStatus
from core.services.documents import requests as document_service
from core.services.documents import transcripts as transcript_service
from portal import actions, auth, errors, loaders, tables, widgets

ROLES = (ADMIN, TRAINEE)


def render() -> None:
    user = auth.require_role(*ROLES)
    st.title("📄 Documents")
    items = loaders.documents.requests(user)
    if user.role == TRAINEE:
        tab_transcript, tab_request, tab_mine = st.tabs(
            ["My transcript", "Request a document", "My requests"], key="requests.tab", bind="query-params"
        )
        with tab_transcript:
            _section_transcript(user, user.id)
        with tab_request:
            _section_new_request(user)
        with tab_mine:
            _section_list(user, items)
            _section_download(user, items)
        return
    tab_queue, tab_all, tab_transcript = st.tabs(
        ["To do", "All requests", "Transcript"], key="requests.tab", bind="query-params"
    )
    with tab_queue:
        _section_queue(user, items)
    with tab_all:
        _section_list(user, items)
        _section_download(user, items)
    with tab_transcript:
        trainees = {
            u.id: f"{u.full_name} ({u.registration_number})" for u in loaders.users.users(user) if u.role == TRAINEE
        }
        chosen = st.selectbox(
            "Trainee",
            list(trainees),
            format_func=lambda i: trainees[i],
            index=None,
            placeholder="Choose a trainee…",
            key="requests.transcript.trainee",
        )
        if chosen is not None:
            _section_transcript(user, chosen)


def _section_transcript(user: UserSummary, trainee_id: int | None) -> None:
    st.caption(
        "A transcript lists published and frozen results and attendance eligibility over the last 12 months. "
        "Its QR code links to a public verification page."
    )
    if trainee_id is None or not st.button("Generate transcript (PDF)", key="requests.transcript.go", type="primary"):
        return
    with st.spinner("Building the transcript…"):
        document = actions.run(
            lambda session, now: transcript_service.generate_transcript(
                session, user, trainee_id=trainee_id, now=now, settings=get_settings()
            ),
            affects=actions.Write.DOCUMENTS,
            done=lambda d: f"Transcript ready: {d.file_name}",
            rerun=False,  # the download button below needs this run's PDF
        )
    if document is None:
        return
    st.download_button(
        "⬇️ Download transcript",
        data=document.content,
        file_name=document.file_name,
        mime="application/pdf",
        key="requests.transcript.download",
        on_click="ignore",
    )
    st.markdown(
        f"Verification link (valid until {document.expires_at:%Y-%m-%d %H:%M} UTC): "
        f"[{document.verify_url}]({document.verify_url})"
    )


def _section_new_request(user: UserSummary) -> None:
    with st.form("requests.new", clear_on_submit=True):
        kind = st.selectbox(
            "Document", list(DOCUMENT_KINDS), format_func=lambda k: DOCUMENT_KINDS[k], key="requests.new.kind"
        )
        details = st.text_area("Purpose / details (required for 'Other')", key="requests.new.details")
        if st.form_submit_button("Send request", type="primary"):
            with st.spinner("Saving…"):
                actions.run(
                    lambda session, now: document_service.request_document(
                        session, user, kind=kind, details=details, now=now
                    ),
                    affects=actions.Write.DOCUMENTS,
                    done=lambda i: f"Request #{i.id} sent: {i.kind_label}. You will be notified when it is decided.",
                )


def _section_queue(user: UserSummary, items: list[DocumentRequestItem]) -> None:
    pending = [i for i in items if i.status == DocumentStatus.PENDING]
    approved = [i for i in items if i.status == DocumentStatus.APPROVED]
    if not pending and not approved:
        widgets.empty_state("Nothing to do.", "New requests from trainees appear here.")
    for item in pending:
        with st.container(border=True):
            _describe(item)
            comment = st.text_input("Comment (required to reject)", key=f"requests.comment.{item.id}")
            left, right = st.columns(2)
            if left.button("Approve", key=f"requests.approve.{item.id}", type="primary"):
                _decide(user, item, True, comment)
            if right.button("Reject", key=f"requests.reject.{item.id}"):
                _decide(user, item, False, comment)
    for item in approved:
        with st.container(border=True):
            _describe(item)
            if st.button("Generate PDF and complete", key=f"requests.complete.{item.id}", type="primary"):
                _complete(user, item)


def _describe(item: DocumentRequestItem) -> None:
    st.markdown(
        f"**#{item.id} {item.kind_label}** for {widgets.plain(item.trainee_name)} ({widgets.plain(item.registration_number)}) · "
        f"{item.status} · requested {item.requested_at:%Y-%m-%d %H:%M}"
        + (f"  \nDetails: {widgets.plain(item.details)}" if item.details else "")
    )


def _decide(user: UserSummary, item: DocumentRequestItem, approve: bool, comment: str) -> None:
    with st.spinner("Saving…"):
        actions.run(
            lambda session, now: document_service.decide_document_request(
                session, user, request_id=item.id, approve=approve, comment=comment, now=now
            ),
            affects=actions.Write.DOCUMENTS,
            done=lambda done: f"Request #{done.id} {done.status}.",
        )


def _complete(user: UserSummary, item: DocumentRequestItem) -> None:
    with st.spinner("Saving…"):
        actions.run(
            lambda session, now: document_service.complete_document_request(
                session, user, request_id=item.id, now=now, settings=get_settings()
            ),
            affects=actions.Write.DOCUMENTS,
            done=lambda done: f"Request #{done.id} completed: {done.file_name} is ready for {done.trainee_name}.",
        )


def _section_list(user: UserSummary, items: list[DocumentRequestItem]) -> None:
    if not items:
        widgets.empty_state("No document requests yet.")
        return
    frame = document_service.requests_frame(items)
    if user.role == TRAINEE:
        frame = frame.drop(columns=["trainee", "trainee_id"])
    tables.show(frame, hide_index=True, width="stretch")
    widgets.download_buttons(frame, name="document-requests", key="requests.download")


def _section_download(user: UserSummary, items: list[DocumentRequestItem]) -> None:
    ready = {
        i.id: f"#{i.id} {i.kind_label} · {i.trainee_name} · {i.file_name}"
        for i in items
        if i.status == DocumentStatus.COMPLETED
    }
    if not ready:
        return
    chosen = st.selectbox(
        "Download an issued document", list(ready), format_func=lambda i: ready[i], index=None, key="requests.file"
    )
    if chosen is None:
        return
    with errors.handled():
        name, content = loaders.documents.document_file(user, chosen)
        st.download_button(
            f"⬇️ {widgets.plain(name)}",
            data=content,
            file_name=name,
            mime="application/pdf",
            key="requests.file.download",
            on_click="ignore",
        )


if __name__ == "__main__":
    from portal.legacy import run_router

    run_router(__file__)
