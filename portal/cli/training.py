"""portfolio --year N --out DIR --as USERNAME [--department D]: annual-review portfolio PDFs in bulk."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from core.clock import utcnow
from core.config import Settings
from core.services.attendance import eligibility as eligibility_service
from core.services.training import portfolio as portfolio_service
from portal.cli.common import acting_user, session_factory_for


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser(
        "portfolio",
        help="write one annual-review portfolio PDF per trainee in a training year into a folder",
        description="The same portfolios as the Progress page (a QR verification link each, archived, audited) "
        "for every active trainee in the acting user's scope now in training year N. Prints one line per file.",
    )
    p.add_argument("--year", type=int, required=True, metavar="N", help="the training year (1..N)")
    p.add_argument("--out", type=Path, required=True, metavar="DIR", help="folder for the PDFs (created if missing)")
    p.add_argument("--as", dest="as_user", required=True, metavar="USERNAME", help="an administrator or supervisor")
    p.add_argument("--department", metavar="NAME", help="only trainees of this department")
    p.set_defaults(handler=cmd_portfolio)


def cmd_portfolio(args: argparse.Namespace, settings: Settings) -> int:
    factory = session_factory_for(settings)
    # All or nothing: tokens and archive rows are committed only once every PDF is built and written.
    with factory.begin() as session:
        actor = acting_user(session, args.as_user)
        department_id = eligibility_service.resolve_department_id(session, args.department)
        made = portfolio_service.generate_portfolios(
            session, actor, training_year=args.year, department_id=department_id, now=utcnow(), settings=settings
        )
        args.out.mkdir(parents=True, exist_ok=True)
        for item in made:
            path = args.out / item.file_name
            path.write_bytes(item.content)
            os.chmod(path, 0o600)  # a portfolio is personal data
            print(f"{path}\t{item.summary}")
    print(f"portfolios={len(made)} year={args.year} folder={args.out}")
    return 0
