"""Config loading: every problem named by its key, secrets never inline."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from bot.cli import main
from bot.config import ConfigError, load_config, parse_config

EXAMPLE = Path(__file__).resolve().parents[2] / "config.example.toml"


def _example() -> dict:
    return tomllib.loads(EXAMPLE.read_text())


def test_example_config_is_valid_and_documents_three_platforms() -> None:
    config = load_config(EXAMPLE)
    assert config.trust.timezone == "Europe/London"
    platforms = {account.platform.value for account in config.schools[0].accounts}
    assert platforms == {"facebook", "instagram", "x"}


def test_wrong_platform_names_the_key_and_the_choices() -> None:
    data = _example()
    data["schools"].append(
        {
            "id": "birch",
            "name": "Birch",
            "accounts": [{"platform": "tiktok", "account_id": "1", "token_env": "BIRCH_TOKEN"}],
        }
    )
    with pytest.raises(ConfigError) as caught:
        parse_config(data, source="config.toml")
    assert (
        "config.toml: schools[1].accounts[0].platform: 'tiktok' is not one of "
        "facebook, instagram, x" in str(caught.value)
    )


def test_missing_school_name_is_reported() -> None:
    data = _example()
    del data["schools"][0]["name"]
    with pytest.raises(ConfigError) as caught:
        parse_config(data, source="config.toml")
    assert "config.toml: schools[0].name: is required but missing" in str(caught.value)


def test_inline_token_is_refused_without_echoing_it() -> None:
    data = _example()
    data["schools"][0]["accounts"][0]["token"] = "EAAG-super-secret-value"
    with pytest.raises(ConfigError) as caught:
        parse_config(data, source="config.toml")
    message = str(caught.value)
    assert "schools[0].accounts[0].token: secrets are never written in the config file" in message
    assert "EAAG-super-secret-value" not in message


def test_token_env_must_be_a_variable_name_not_a_value() -> None:
    data = _example()
    data["schools"][0]["accounts"][0]["token_env"] = "EAAGabc123xyz"
    with pytest.raises(ConfigError) as caught:
        parse_config(data)
    assert "schools[0].accounts[0].token_env: must be the NAME of an environment variable" in str(
        caught.value
    )


def test_all_problems_are_reported_together() -> None:
    data = _example()
    data["trust"]["timezone"] = "Mars/Olympus"
    data["dashboard"]["port"] = 99999
    with pytest.raises(ConfigError) as caught:
        parse_config(data)
    assert len(caught.value.problems) == 2
    assert any(
        p.startswith("trust.timezone: 'Mars/Olympus' is not a known time zone")
        for p in caught.value.problems
    )
    assert any(p.startswith("dashboard.port:") for p in caught.value.problems)


def test_duplicate_school_ids_are_refused() -> None:
    data = _example()
    data["schools"].append(dict(data["schools"][0], accounts=[]))
    with pytest.raises(ConfigError, match="school id 'oakfield' is used twice"):
        parse_config(data)


def test_invalid_toml_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text("[trust\nname = 1")
    with pytest.raises(ConfigError, match=r"broken.toml: not valid TOML"):
        load_config(path)


def test_check_config_reports_missing_token_variables(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OAKFIELD_X_TOKEN", raising=False)
    monkeypatch.setenv("OAKFIELD_FACEBOOK_TOKEN", "x" * 20)
    monkeypatch.setenv("OAKFIELD_INSTAGRAM_TOKEN", "y" * 20)
    assert main(["check-config", str(EXAMPLE)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("ok: ")
    assert "1 schools, 3 accounts" in out
    assert "token variables not set: OAKFIELD_X_TOKEN" in out


def test_check_config_fails_with_the_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = EXAMPLE.read_text().replace('platform = "instagram"', 'platform = "tiktok"')
    path = tmp_path / "config.toml"
    path.write_text(text)
    assert main(["check-config", str(path)]) == 1
    err = capsys.readouterr().err
    assert "config.toml: schools[0].accounts[1].platform: 'tiktok' is not one of" in err


def test_a_broken_reply_template_is_refused_at_start_up() -> None:
    data = _example()
    data["schools"][0]["templates"] = {"question": "Hello {{ first_name }, thanks"}
    with pytest.raises(ConfigError) as caught:
        parse_config(data, source="config.toml")
    assert "config.toml: schools[0].templates: question: not a valid template" in str(caught.value)


def test_a_trusted_proxy_that_is_not_an_address_names_the_entry() -> None:
    data = _example()
    data["dashboard"]["trusted_proxies"] = ["127.0.0.1", "10.0.0.0/8", "the-proxy"]
    with pytest.raises(ConfigError) as caught:
        parse_config(data)
    assert len(caught.value.problems) == 1
    assert caught.value.problems[0].startswith("dashboard.trusted_proxies[2]:"), caught.value


def _x_account(data: dict) -> dict:
    return next(a for a in data["schools"][0]["accounts"] if a["platform"] == "x")


def test_an_oauth1_x_account_needs_the_apps_consumer_keys() -> None:
    data = _example()
    _x_account(data)["token_secret_env"] = "OAKFIELD_X_TOKEN_SECRET"
    with pytest.raises(ConfigError) as caught:
        parse_config(data)
    (problem,) = caught.value.problems
    assert "platforms.x.consumer_key_env and platforms.x.consumer_secret_env" in problem


def test_a_token_secret_on_a_facebook_account_is_refused_by_its_key() -> None:
    data = _example()
    data["schools"][0]["accounts"][0]["token_secret_env"] = "OAKFIELD_FB_SECRET"
    with pytest.raises(ConfigError) as caught:
        parse_config(data)
    (problem,) = caught.value.problems
    assert problem.startswith("schools[0].accounts[0]:"), problem
    assert "for X accounts (OAuth 1.0a) only" in problem


def test_an_inline_consumer_secret_is_refused_without_echoing_it() -> None:
    data = _example()
    data["platforms"]["x"]["consumer_secret"] = "hunter2-consumer-secret"
    with pytest.raises(ConfigError) as caught:
        parse_config(data)
    assert "secrets are never written in the config file" in str(caught.value)
    assert "hunter2" not in str(caught.value)


def test_oauth1_secrets_are_required_redacted_and_listed_when_missing() -> None:
    data = _example()
    _x_account(data)["token_secret_env"] = "OAKFIELD_X_TOKEN_SECRET"
    data["platforms"]["x"] |= {"consumer_key_env": "X_KEY", "consumer_secret_env": "X_SECRET"}
    config = parse_config(data)
    environ = {"OAKFIELD_X_TOKEN_SECRET": "token-secret-value", "X_SECRET": "consumer-secret"}
    assert {"token-secret-value", "consumer-secret"} <= set(config.secret_values(environ))
    assert "X_KEY" in config.missing_env(environ)
    assert "OAKFIELD_X_TOKEN_SECRET" not in config.missing_env(environ)


def test_webhooks_enabled_need_both_secret_variables_and_report_them_missing() -> None:
    data = _example()
    data["webhooks"] = {"enabled": True, "app_secret_env": "META_APP_SECRET"}
    with pytest.raises(ConfigError) as caught:
        parse_config(data, source="config.toml")
    assert (
        "config.toml: webhooks: app_secret_env and verify_token_env are both needed when enabled"
        in str(caught.value)
    )

    data["webhooks"]["verify_token_env"] = "META_VERIFY_TOKEN"
    config = parse_config(data)
    env = {"META_APP_SECRET": "s3cret-app-value", "META_VERIFY_TOKEN": "v3rify-value"}
    assert {"META_APP_SECRET", "META_VERIFY_TOKEN"} <= set(config.missing_env({}))
    assert {"s3cret-app-value", "v3rify-value"} <= set(config.secret_values(env))
