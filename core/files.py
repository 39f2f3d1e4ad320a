"""Private files: backups, the SQLite database and archived reports are 0600 in 0700 directories, whatever the umask."""

from __future__ import annotations

import os
from pathlib import Path

FILE_MODE = 0o600
DIR_MODE = 0o700


def private_dir(path: Path) -> Path:
    """Create `path` (and missing parents) as 0700 directories; an existing one is tightened to 0700."""
    missing: list[Path] = []
    current = path
    while not current.exists():
        missing.append(current)
        current = current.parent
    path.mkdir(parents=True, exist_ok=True)
    for created in [*missing, path]:
        os.chmod(created, DIR_MODE)
    return path


def private_file(path: Path) -> Path:
    """Tighten an existing file to 0600 (owner read/write only)."""
    if path.exists():
        os.chmod(path, FILE_MODE)
    return path


def write_private(path: Path, content: bytes) -> None:
    """Write `content` to `path` as a 0600 file created with that mode (never briefly world-readable)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    try:
        os.fchmod(fd, FILE_MODE)
        with os.fdopen(fd, "wb") as handle:
            fd = -1
            handle.write(content)
    finally:
        if fd != -1:
            os.close(fd)
