"""The two set-up commands take what the README says they take."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_demo_passes_args_to_the_demo() -> None:
    """``make -n`` only prints the commands: nothing is built or started."""
    printed = subprocess.run(
        ["make", "-n", "-C", str(ROOT), "demo", "ARGS=--port 8090 --for 60", "BIN=/opt/hm/bin"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "/opt/hm/bin/hallmonitor demo --port 8090 --for 60" in printed.splitlines()
