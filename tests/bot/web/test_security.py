"""The session key: from the environment, validated, never logged."""

from __future__ import annotations

import logging

import pytest
from cryptography.fernet import Fernet

from bot.web.security import SecretKeyError, secure_cookies, session_secret
from tests.bot.web.factory import make_config


def test_key_from_the_named_variable(caplog: pytest.LogCaptureFixture) -> None:
    key = Fernet.generate_key().decode()
    config = make_config(secret_key_env="HM_SESSION_KEY")
    with caplog.at_level(logging.DEBUG):
        fernet = session_secret(config, {"HM_SESSION_KEY": key})
    assert Fernet(key).decrypt(fernet.encrypt(b"x")) == b"x"
    assert key not in caplog.text
    assert caplog.records == []


def test_a_bad_key_is_a_clear_error_without_the_value() -> None:
    config = make_config(secret_key_env="HM_SESSION_KEY")
    with pytest.raises(SecretKeyError) as error:
        session_secret(config, {"HM_SESSION_KEY": "not-a-key-at-all"})
    assert "HM_SESSION_KEY" in str(error.value)
    assert "not-a-key-at-all" not in str(error.value)


def test_random_key_when_unset_is_logged_once(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        session_secret(make_config(), {})
    assert len(caplog.records) == 1
    assert "will not survive a restart" in caplog.text


def test_secure_cookies_follow_https_or_the_setting() -> None:
    assert not secure_cookies(make_config())
    assert secure_cookies(make_config(base_url="https://dash.example"))
    assert secure_cookies(make_config(secure_cookies=True))
