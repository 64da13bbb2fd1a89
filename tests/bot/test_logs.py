"""Log lines are key=value and never carry a secret."""

from __future__ import annotations

import io
import logging

from bot.logs import configure_logging, redactor


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
