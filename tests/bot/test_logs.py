"""Log lines are key=value and never carry a secret."""

from __future__ import annotations

import io
import logging
import os

from sqlalchemy import Engine

from bot.classifier import Classifier
from bot.config import Config
from bot.logs import configure_logging, redactor
from bot.runtime import Bot
from tests.bot.conftest import SimControl


def test_a_registered_secret_is_redacted_from_message_args_and_tracebacks() -> None:
    stream = io.StringIO()
    configure_logging("INFO", stream)
    redactor().add(["EAAG-secret-token-123"])
    log = logging.getLogger("test.logs")
    log.warning(
        "calling %s",
        "https://graph.example/me?access_token=EAAG-secret-token-123",
        extra={"account": "facebook:1"},
    )
    try:
        raise RuntimeError("bad token EAAG-secret-token-123")
    except RuntimeError:
        log.exception("failed")
    output = stream.getvalue()
    assert "EAAG-secret-token-123" not in output
    assert "[redacted]" in output
    assert "account=facebook:1" in output
    assert output.count("\n") >= 2


async def test_a_token_from_the_environment_never_reaches_the_logs_of_a_failing_call(
    engine: Engine, trust_config: Config, classifier: Classifier, sim: SimControl
) -> None:
    token = os.environ["DEMO_OAKFIELD_FACEBOOK_TOKEN"]
    await sim.fault(
        kind="expired_token", platform="facebook", account="100000000000001", count=None
    )
    await sim.fault(kind="error", status=500, platform="instagram", count=None)
    stream = io.StringIO()
    configure_logging("DEBUG", stream)
    bot = await Bot.create(trust_config, engine=engine, classifier=classifier)
    try:
        await bot.run_once()
    finally:
        await bot.stop()
        configure_logging("INFO")
    output = stream.getvalue()
    assert "AuthError" in output
    assert "TransientError" in output
    assert token not in output
    assert "demo-token-" not in output


def test_a_url_encoded_secret_is_redacted_too() -> None:
    stream = io.StringIO()
    configure_logging("INFO", stream)
    redactor().add(["EAAG|page/token+456="])
    logging.getLogger("test.logs").warning(
        "echoed %s and %s", "EAAG%7Cpage%2Ftoken%2B456%3D", "eaag%7cpage%2ftoken%2b456%3d"
    )
    output = stream.getvalue()
    assert "456" not in output
    assert output.count("[redacted]") == 2


def test_the_dashboard_redacts_a_url_encoded_secret() -> None:
    from bot.account_health import redact_secrets

    assert redact_secrets("saw EAAG%7Cpage%2Ftoken", ["EAAG|page/token"]) == "saw [redacted]"
