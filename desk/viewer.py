"""Opening a file with the system's viewer (xdg-open, open, os.startfile), without waiting."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path


def viewer_command(path: Path) -> list[str] | None:
    """The command that opens a file with the system's viewer, or None when there is none."""
    if sys.platform == "darwin":
        return ["open", str(path)]
    opener = shutil.which("xdg-open")
    return [opener, str(path)] if opener else None


def open_with_viewer(path: Path) -> bool:
    """Open `path` in the system's viewer and return at once; False when there is no viewer."""
    if sys.platform == "win32":  # pragma: no cover - not tested here
        os.startfile(path)  # type: ignore[attr-defined]
        return True
    command = viewer_command(path)
    if command is None:
        return False
    # A fixed program and a path as one argument, no shell: a hostile file name stays a name.
    subprocess.Popen(
        command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    return True
