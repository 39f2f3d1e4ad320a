"""Benchmark: sign-in attempts of every kind cost the same (no timing oracle for usernames).

    python -m bench.signin [--db sqlite:///tmp/signin.db] [--runs 15]

Times check_sign_in (each attempt its own transaction, as the portal does) for an unknown user, a wrong
password, a locked account, a deactivated account and a right password, at the configured BCRYPT_ROUNDS;
prints the median per kind and the slowest/fastest ratio of the refusals (target <= 1.3). Last line: JSON.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # also runnable as a file

from core.clock import utcnow
from core.config import get_settings
from core.db import make_engine, make_session_factory
from core.migrate import upgrade_to_head
from core.models import User
from core.services.auth import check_sign_in, hash_password

PASSWORD = "bench-password-1"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default=f"sqlite:///{tempfile.mkdtemp()}/signin.db")
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    engine = make_engine(args.db)
    upgrade_to_head(engine)
    factory = make_session_factory(engine)
    now = utcnow()
    with factory.begin() as session:
        for name, active, locked in (
            ("real", True, None),
            ("locked", True, now + timedelta(days=1)),
            ("gone", False, None),
        ):
            if session.query(User).filter_by(username=f"bench-{name}").first() is None:
                session.add(
                    User(
                        username=f"bench-{name}",
                        full_name=name,
                        role="trainee",
                        password_hash=hash_password(PASSWORD),
                        is_active=active,
                        locked_until=locked,
                        failed_login_count=0,
                    )
                )
    kinds = {
        "unknown_user": ("bench-nobody", PASSWORD),
        "wrong_password": ("bench-real", "wrong-password-1"),
        "locked": ("bench-locked", PASSWORD),
        "deactivated": ("bench-gone", PASSWORD),
        "right_password": ("bench-real", PASSWORD),
    }
    timings: dict[str, list[float]] = {kind: [] for kind in kinds}
    for run in range(args.runs):
        for kind, (username, password) in kinds.items():
            # Far apart in time, so the wrong passwords never lock the real account during the bench.
            at = now + timedelta(hours=run)
            started = time.perf_counter()
            with factory.begin() as session:
                check_sign_in(session, username=username, password=password, now=at)
            timings[kind].append((time.perf_counter() - started) * 1000)
    medians = {kind: round(statistics.median(values), 1) for kind, values in timings.items()}
    refusals = [v for k, v in medians.items() if k != "right_password"]
    ratio = round(max(refusals) / min(refusals), 3)
    everything = round(max(medians.values()) / min(medians.values()), 3)
    print(f"bcrypt rounds {get_settings().bcrypt_rounds}, {args.runs} runs, {engine.dialect.name}")
    for kind, value in medians.items():
        print(f"  {kind:15} median {value:8.1f} ms")
    print(f"slowest/fastest median among refusals: {ratio} (all kinds incl. success: {everything}; target <= 1.3)")
    print(json.dumps({"medians_ms": medians, "ratio_refusals": ratio, "ratio_all": everything}))


if __name__ == "__main__":
    main()
