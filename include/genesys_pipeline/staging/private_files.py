"""Staged pages and rejects hold raw conversation data (names, phone numbers): on a local disk
they are created readable by their owner only, files 0600 and directories 0700, whatever the
process umask. Object-storage roots (``s3://`` and friends) have no POSIX modes; their access
is the bucket's policy, so those paths are created as they are.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, BinaryIO

FILE_MODE = 0o600
DIR_MODE = 0o700


def make_private_dirs(directory: Any, root: Any) -> None:
    """``mkdir -p directory``; on a local disk every level from ``root`` down is made 0700."""
    directory.mkdir(parents=True, exist_ok=True)
    if not isinstance(directory, Path):
        return
    level = Path(directory)
    top = Path(root)
    while True:
        os.chmod(level, DIR_MODE)
        if level == top or level.parent == level or top not in level.parents:
            return
        level = level.parent


def open_private(path: Any) -> BinaryIO:
    """``path.open("wb")``, created 0600 on a local disk (and made 0600 if it existed)."""
    if not isinstance(path, Path):
        return path.open("wb")
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    os.fchmod(descriptor, FILE_MODE)
    return os.fdopen(descriptor, "wb")
