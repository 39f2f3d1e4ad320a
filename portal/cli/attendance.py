"""import-attendance and eligibility (filled in by the attendance capability)."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add this module's commands."""
