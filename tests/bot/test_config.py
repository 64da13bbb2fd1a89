"""Config loading: every problem named by its key, secrets never inline."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest

from bot.cli import main
from bot.config import ConfigError, load_config, parse_config
from bot.responses import template_problems

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


def test_a_duplicate_school_id_names_its_key_path() -> None:
    data = _example()
    data["schools"].append(dict(data["schools"][0], accounts=[]))
    with pytest.raises(ConfigError) as caught:
        parse_config(data, source="config.toml")
    (problem,) = caught.value.problems
    assert problem == "schools[1].id: school id 'oakfield' is used twice (also schools[0].id)"


def test_a_duplicate_account_names_its_key_path() -> None:
    data = _example()
    data["schools"].append(
        {"id": "birch", "name": "Birch", "accounts": [dict(data["schools"][0]["accounts"][2])]}
    )
    with pytest.raises(ConfigError) as caught:
        parse_config(data)
    (problem,) = caught.value.problems
    assert problem.startswith("schools[1].accounts[0]: x account '1500000000000000001' is listed")
    assert "schools[0].accounts[2]" in problem


@pytest.mark.parametrize(
    ("where", "value", "said"),
    [
        (("email", "port"), "587", "write 587 without quotes"),
        (("dashboard", "port"), "5", "write 5 without quotes"),
        (("email", "enabled"), "yes", "write true or false without quotes"),
        (("dashboard", "secure_cookies"), "no", "write true or false without quotes"),
        (("platforms", "x", "lookback_days"), "7", "write 7 without quotes"),
        (("classifier", "batch_size"), "16", "write 16 without quotes"),
    ],
)
def test_a_quoted_number_or_boolean_is_refused_saying_what_was_meant(
    where: tuple[str, ...], value: str, said: str
) -> None:
    data = _example()
    table = data
    for key in where[:-1]:
        table = table[key]
    table[where[-1]] = value
    with pytest.raises(ConfigError) as caught:
        parse_config(data)
    (problem,) = caught.value.problems
    assert problem.startswith(".".join(where) + f": {value!r} is text in quotes"), problem
    assert said in problem


def test_quoted_numbers_deep_in_lists_and_tables_are_refused_by_their_path() -> None:
    data = _example()
    data["schools"][0]["accounts"][1]["poll_interval_minutes"] = "5"
    data["schools"][0]["policy"]["hide_absence"] = "yes"
    data["classifier"] = {"thresholds": {"abuse": {"auto_hide": "0.9", "queue": 0.0}}}
    with pytest.raises(ConfigError) as caught:
        parse_config(data)
    wheres = sorted(problem.split(":")[0] for problem in caught.value.problems)
    assert wheres == [
        "classifier.thresholds.abuse.auto_hide",
        "schools[0].accounts[1].poll_interval_minutes",
        "schools[0].policy.hide_absence",
    ]


def test_a_config_file_that_is_not_utf8_is_a_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes(EXAMPLE.read_text().replace("Riverside", "Riversid\xe9").encode("latin-1"))
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    (problem,) = caught.value.problems
    assert problem.startswith("not UTF-8 text: line 8"), problem
    assert main(["check-config", str(path)]) == 1
    assert "config.toml: not UTF-8 text" in capsys.readouterr().err


@pytest.mark.parametrize("url", ["notadb:///x", "not a url", "postgresql+nosuchdriver://h/db"])
def test_a_database_url_nothing_can_open_is_refused_by_its_key(url: str) -> None:
    data = _example()
    data["database"]["url"] = url
    with pytest.raises(ConfigError) as caught:
        parse_config(data)
    (problem,) = caught.value.problems
    assert problem.startswith("database.url: "), problem
    assert "sqlite:///" in problem


def test_a_database_url_problem_never_shows_the_password() -> None:
    data = _example()
    data["database"]["url"] = "notadb://user:hunter2pass@host/db"
    with pytest.raises(ConfigError) as caught:
        parse_config(data)
    assert "hunter2pass" not in str(caught.value)


@pytest.mark.parametrize("suffix", ["/v19.0", "/v25.0/", "/V19.0"])
def test_a_graph_url_with_a_version_is_refused_by_its_key(suffix: str) -> None:
    data = _example()
    data["platforms"]["instagram"]["graph_url"] = "https://graph.facebook.com" + suffix
    with pytest.raises(ConfigError) as caught:
        parse_config(data)
    (problem,) = caught.value.problems
    assert problem.startswith("platforms.instagram.graph_url: "), problem
    assert "without the API version" in problem


def test_a_graph_url_without_a_version_is_kept() -> None:
    data = _example()
    data["platforms"]["facebook"]["graph_url"] = "http://127.0.0.1:8900/"
    assert parse_config(data).platforms.facebook.graph_url == "http://127.0.0.1:8900/"


def test_the_example_uses_the_embedded_classifier() -> None:
    assert load_config(EXAMPLE).classifier.backend == "embedded"


def test_check_config_refuses_classifier_files_that_do_not_exist(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        EXAMPLE.read_text().replace(
            'backend = "embedded"\n',
            'backend = "detoxify"\n'
            f'detoxify_checkpoint = "{tmp_path / "missing.ckpt"}"\n'
            f'detoxify_config_dir = "{tmp_path}"\n'
            f'model_dir = "{tmp_path / "model"}"\n',
        )
    )
    assert main(["check-config", str(path)]) == 1
    err = capsys.readouterr().err
    assert f"config.toml: classifier.detoxify_checkpoint: {tmp_path / 'missing.ckpt'}" in err
    assert "does not exist" in err
    assert "classifier.model_dir:" in err
    assert "classifier.detoxify_config_dir" not in err


def test_check_config_refuses_a_model_directory_without_its_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "model.json").write_text("{}")
    path = tmp_path / "config.toml"
    path.write_text(
        EXAMPLE.read_text().replace(
            'backend = "embedded"\n',
            f'backend = "embedded"\nmodel_dir = "{tmp_path / "model"}"\n',
        )
    )
    assert main(["check-config", str(path)]) == 1
    err = capsys.readouterr().err
    assert "classifier.model_dir: classifier model file missing" in err
    assert "weights.safetensors" in err


def test_check_config_refuses_an_invalid_session_key_without_showing_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("HALLMONITOR_SECRET_KEY", "not-a-fernet-key")
    assert main(["check-config", str(EXAMPLE)]) == 1
    err = capsys.readouterr().err
    assert "dashboard.secret_key_env: HALLMONITOR_SECRET_KEY must be 32 bytes" in err
    assert "not-a-fernet-key" not in err


@pytest.mark.parametrize(
    "template",
    [
        "Ring {{ office_phone + 1 }}",
        "Hello {{ author_first_name }}, please ring {{ office_phone }}",
        "{% if private %}{{ office_email.upper() }}{% else %}{{ 1 / 0 }}{% endif %}",
    ],
)
def test_check_config_renders_every_template_with_sample_values(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], template: str
) -> None:
    """Issue 12.3: a template that compiles but fails when rendered passed check-config."""
    path = tmp_path / "config.toml"
    path.write_text(
        EXAMPLE.read_text()
        + "\n[schools.templates]\n"
        + 'positive = "Thank you, {{ first_name }}!"\n'
        + f"question = {json.dumps(template)}\n"
    )

    assert main(["check-config", str(path)]) == 1

    err = capsys.readouterr().err
    assert "schools[0].templates.question: fails when filled in" in err
    assert "positive" not in err


def test_the_example_templates_render() -> None:
    """The commented-out example override must work when uncommented."""
    text = EXAMPLE.read_text()
    line = next(
        line.removeprefix("# ") for line in text.splitlines() if line.startswith("# question =")
    )
    data = _example()
    data["schools"][0]["templates"] = tomllib.loads(line)
    config = parse_config(data)
    assert template_problems(config) == []


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
