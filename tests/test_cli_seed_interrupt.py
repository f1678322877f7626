"""Ctrl-C during `desk seed`: one line, never a traceback; what was written is whole."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

DESK = [sys.executable, "-m", "desk.cli.main"]


@pytest.mark.skipif(sys.platform == "win32", reason="process groups and SIGINT are POSIX")
def test_ctrl_c_during_seed_ends_with_one_line_and_a_consistent_database(tmp_path: Path) -> None:
    database = tmp_path / "seeded.db"
    env = {**os.environ, "DESK_CONFIG": str(tmp_path / "config.json")}
    env.pop("DESK_DB", None)
    # Its own process group, as a shell's foreground job: Ctrl-C reaches the seed's workers too.
    process = subprocess.Popen(
        [*DESK, "seed", "--cases", "200000", "--db", str(database)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        process_group=0,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    wal = Path(f"{database}-wal")
    deadline = time.monotonic() + 180
    try:
        while time.monotonic() < deadline and process.poll() is None:
            if wal.exists() and wal.stat().st_size > 5_000_000:  # it is writing cases
                break
            time.sleep(0.05)
        assert process.poll() is None, "the seed ended before it could be interrupted"
        os.killpg(process.pid, signal.SIGINT)
        _out, err = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    stderr = err.decode("utf-8")
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr
    (line,) = stderr.strip().splitlines()
    assert line.startswith("Dihentikan (Ctrl-C): ") and "desk db check" in line
    check = subprocess.run(
        [*DESK, "db", "check", "--db", str(database), "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert check.returncode == 0, check.stdout + check.stderr
    written = int(line.split(": ", 1)[1].split()[0].replace(".", ""))
    assert f'"cases": {written}' in check.stdout
