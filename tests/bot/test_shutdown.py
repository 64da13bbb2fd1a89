"""SIGTERM stops `hallmonitor run` cleanly: running work finishes, the process exits 0."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import pytest

from bot.config import Config


@pytest.mark.slow
async def test_sigterm_stops_the_bot_cleanly(trust_config: Config, tmp_path: Path) -> None:
    log = tmp_path / "run.log"
    with log.open("wb") as out:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.cli", "--config", str(tmp_path / "config.toml"), "run",
            stdout=out, stderr=asyncio.subprocess.STDOUT, env=dict(os.environ),
        )  # fmt: skip
        try:
            for _ in range(600):
                if "polling 9 accounts" in log.read_text():
                    break
                assert process.returncode is None, log.read_text()
                await asyncio.sleep(0.1)
            else:
                pytest.fail("the bot did not start within a minute")
            process.send_signal(signal.SIGTERM)
            code = await asyncio.wait_for(process.wait(), timeout=30)
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
    text = log.read_text()
    assert code == 0, text[-2000:]
    assert "stopping: finishing running jobs" in text
    assert "Traceback" not in text
