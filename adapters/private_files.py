"""Files that hold the partnership's records or keys are readable by their owner only."""

from __future__ import annotations

import os
from pathlib import Path


def create_private_file(path: Path, text: str = "") -> None:
    """Creates `path` readable by its owner only (0600), or makes an existing one so."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        os.chmod(path, 0o600)
        return
    with os.fdopen(fd, "w") as f:
        f.write(text)
