"""Command line for administrators' scripts and cron; the same services the pages use.

Exit status 0 on success; 1 on refusal or bad input, with a clear message on stderr.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from pydantic import ValidationError

from core.config import get_settings
from core.errors import DomainError, InvalidInputError
from portal.cli import attendance, documents, foundation, jobs, training

MODULES = (foundation, attendance, jobs, documents, training)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m portal",
        description="Training Operations Portal command line. DATABASE_URL selects the database.",
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in MODULES:
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Parse arguments, run one command, and turn refusals into exit status 1."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    args = build_parser().parse_args(argv)
    try:
        settings = get_settings()
    except ValidationError as exc:
        print("error: invalid configuration: " + "; ".join(e["msg"] for e in exc.errors()), file=sys.stderr)
        return 2
    try:
        return int(args.handler(args, settings) or 0)
    except InvalidInputError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        for line in exc.errors:
            print(line, file=sys.stderr)
        return 1
    except DomainError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 1
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
