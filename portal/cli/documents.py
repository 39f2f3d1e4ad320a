"""issue-transcripts --as USERNAME [--trainee REG ...] --out DIR: verifiable transcript PDFs in bulk."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from core.clock import utcnow
from core.config import Settings
from core.services.documents import transcripts as transcript_service
from portal.cli.common import acting_user, session_factory_for


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser(
        "issue-transcripts",
        help="write one verifiable transcript PDF per trainee into a folder",
        description="The same transcripts as the Requests page (a fresh QR verification link each, audited, "
        "the trainee notified). Without --trainee: every active trainee. Prints one line per file.",
    )
    p.add_argument("--as", dest="as_user", required=True, metavar="USERNAME", help="the acting administrator")
    p.add_argument("--trainee", action="append", metavar="REG", help="a registration number (repeatable)")
    p.add_argument("--out", type=Path, required=True, metavar="DIR", help="folder for the PDFs (created if missing)")
    p.set_defaults(handler=cmd_issue_transcripts)


def cmd_issue_transcripts(args: argparse.Namespace, settings: Settings) -> int:
    factory = session_factory_for(settings)
    # All or nothing: the tokens are committed only once every PDF is built and written.
    with factory.begin() as session:
        actor = acting_user(session, args.as_user)
        documents = transcript_service.issue_transcripts(
            session, actor, registration_numbers=args.trainee, now=utcnow(), settings=settings
        )
        args.out.mkdir(parents=True, exist_ok=True)
        for document in documents:
            path = args.out / document.file_name
            path.write_bytes(document.content)
            os.chmod(path, 0o600)  # a transcript is personal data
            print(f"{path}\t{document.verify_url.split('?')[0]}\texpires {document.expires_at:%Y-%m-%d %H:%M} UTC")
    print(f"issued={len(documents)} folder={args.out}")
    return 0
