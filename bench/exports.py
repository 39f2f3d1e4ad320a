"""Benchmark the XLSX and CSV writers on a 100k-row table (targets: XLSX <= 10 s, <= 150 MB extra).

    python -m bench.exports [--rows 100000]

Prints the time of each file, its size, and the peak extra memory while building it (resident
set size above the level before, sampled every 10 ms). The last line printed is JSON.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import threading
import time
from datetime import date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # also runnable as a file

import pandas as pd

from core.exports import ExportAbout, to_csv_bytes, to_xlsx_bytes


def _rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize() / 2**20


def _frame(rows: int) -> pd.DataFrame:
    start = date(2026, 1, 1)
    return pd.DataFrame(
        {
            "registration_number": [f"PG2026-{i:06d}" for i in range(rows)],
            "trainee": [f"Zoë Ñúñez-Łukasiewicz {i}" for i in range(rows)],
            "department": [("Anaesthesiology", "Surgery", "Medicine")[i % 3] for i in range(rows)],
            "session_date": [start + timedelta(days=i % 365) for i in range(rows)],
            "sessions": [i % 40 for i in range(rows)],
            "attended": [i % 30 for i in range(rows)],
            "attendance_pct": [round(100 * (i % 30) / 40, 2) for i in range(rows)],
            "remarks": ['=HYPERLINK("x")' if i % 1000 == 0 else "ok" for i in range(rows)],
        }
    )


def _measure(build: object) -> tuple[float, float, int]:
    base = _rss_mb()
    peak = [base]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], _rss_mb())
            time.sleep(0.01)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    started = time.perf_counter()
    content = build()  # type: ignore[operator]
    elapsed = time.perf_counter() - started
    done.set()
    thread.join()
    return elapsed, max(peak[0], _rss_mb()) - base, len(content)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    frame = _frame(args.rows)
    about = ExportAbout("Bench", "bench", datetime(2026, 1, 1), period="2026", scope="All trainees")
    xlsx_s, xlsx_mb, xlsx_bytes = _measure(lambda: to_xlsx_bytes(frame, "bench", about=about))
    csv_s, csv_mb, csv_bytes = _measure(lambda: to_csv_bytes(frame))
    figures = {
        "rows": args.rows,
        "xlsx_s": round(xlsx_s, 2),
        "xlsx_extra_mb": round(xlsx_mb, 1),
        "xlsx_bytes": xlsx_bytes,
        "csv_s": round(csv_s, 2),
        "csv_extra_mb": round(csv_mb, 1),
        "csv_bytes": csv_bytes,
    }
    print(
        f"XLSX {args.rows} rows: {xlsx_s:.2f} s, +{xlsx_mb:.1f} MB, {xlsx_bytes / 2**20:.1f} MiB (target <= 10 s, <= 150 MB)"
    )
    print(f"CSV  {args.rows} rows: {csv_s:.2f} s, +{csv_mb:.1f} MB, {csv_bytes / 2**20:.1f} MiB")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
