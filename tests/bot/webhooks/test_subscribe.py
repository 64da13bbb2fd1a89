"""``hallmonitor webhooks subscribe`` against the simulator's ``subscribed_apps``."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest
from aiohttp.test_utils import TestServer

from bot.cli import main
from bot.commands.webhooks import subscribe_all
from bot.config import Config
from connectors.simulator.keys import STATE
from tests.bot.conftest import SimControl, account_id


async def test_status_before_subscribing_says_nothing_is_subscribed(trust_config: Config) -> None:
    lines, failed = await subscribe_all(trust_config, os.environ, only_report=True)
    assert failed == 6
    page = account_id("oakfield", "facebook")
    assert f"oakfield facebook {page}: subscribed to nothing (missing feed)" in lines


async def test_subscribe_installs_the_app_on_every_page_and_reports_it(
    trust_config: Config, simulator: TestServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = await asyncio.to_thread(
        main, ["--config", str(tmp_path / "config.toml"), "webhooks", "subscribe"]
    )
    out = capsys.readouterr().out.splitlines()

    assert code == 0
    assert len(out) == 6
    page, ig = account_id("birchwood", "facebook"), account_id("birchwood", "instagram")
    assert f"birchwood facebook {page}: subscribed to feed" in out
    assert f"birchwood instagram {ig}: subscribed to comments, live_comments, mentions" in out
    assert simulator.app[STATE].subscriptions[page] == ["feed"]


async def test_a_page_that_refuses_is_reported_and_fails_the_command(
    trust_config: Config, sim: SimControl
) -> None:
    await sim.fault(
        kind="error", status=403, account=account_id("oakfield", "facebook"), count=None
    )
    lines, failed = await subscribe_all(trust_config, os.environ)

    assert failed == 1
    refused = [line for line in lines if "failed" in line]
    assert len(refused) == 1
    assert refused[0].startswith(f"oakfield facebook {account_id('oakfield', 'facebook')}: failed")
    assert "PermissionMissing" in refused[0]
