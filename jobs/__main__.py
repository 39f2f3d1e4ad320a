"""`python -m jobs`: the scheduler sidecar's composition root.

settings -> engine -> sessionmaker -> Sidecar (leader election) -> BlockingScheduler started
paused -> register_jobs (sync with the open job store) -> resume.
"""

from __future__ import annotations

import argparse
import logging
import sys

from core.config import get_settings
from core.db import make_engine, make_session_factory
from core.migrate import current_revision, head_revision
from jobs.sidecar import Sidecar


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m jobs", description="Run the portal's scheduled jobs.")
    parser.add_argument(
        "--lock-poll",
        type=float,
        default=5.0,
        metavar="SECONDS",
        help="how often a standby sidecar asks for leadership (default 5)",
    )
    args = parser.parse_args(argv)
    settings = get_settings()
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    engine = make_engine(settings)
    if current_revision(engine) != head_revision():
        print("error: the database is not migrated to head: run `python -m portal migrate` first", file=sys.stderr)
        return 2
    session_factory = make_session_factory(engine)
    return Sidecar(settings, engine, session_factory, lock_poll_seconds=args.lock_poll).run()


if __name__ == "__main__":
    sys.exit(main())
