"""The command line: every command listed, clear errors, users created from stdin."""

from __future__ import annotations

import io
import socket
import sys
import uuid
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url
from sqlmodel import Session, select

from bot.cli import build_parser, main
from models import Role, User, UserSchool, make_engine
from tests.conftest import POSTGRES_URL

EXAMPLE = Path(__file__).resolve().parents[2] / "config.example.toml"


def test_help_lists_every_command() -> None:
    text = build_parser().format_help()
    for command in (
        "run",
        "demo",
        "db",
        "check-config",
        "user",
        "eval",
        "train",
        "report",
        "simulate",
        "webhooks",
    ):
        assert f"    {command}" in text


def _config(tmp_path: Path) -> Path:
    db = tmp_path / "hm.db"
    text = EXAMPLE.read_text().replace(
        'url = "sqlite:///hallmonitor.db"', f'url = "sqlite:///{db}"'
    )
    path = tmp_path / "config.toml"
    path.write_text(text)
    return path


def test_db_upgrade_reports_the_revision(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--config", str(_config(tmp_path)), "db", "upgrade"]) == 0
    assert "database at revision 0005" in capsys.readouterr().out


def test_user_add_reads_the_password_from_stdin(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    config = _config(tmp_path)
    monkeypatch.setattr(sys, "stdin", io.StringIO("a-long-enough-password\n"))
    args = [
        "--config",
        str(config),
        "user",
        "add",
        "Champion@Oakfield.example",
        "--role",
        "champion",
        "--school",
        "oakfield",
        "--password-stdin",
    ]
    assert main(args) == 0
    assert "created champion champion@oakfield.example" in capsys.readouterr().out
    engine = make_engine(f"sqlite:///{tmp_path / 'hm.db'}")
    with Session(engine) as session:
        user = session.exec(select(User)).one()
        assert user.role is Role.CHAMPION
        assert "a-long-enough-password" not in user.password_hash
        assert session.exec(select(UserSchool.school_id)).all() == ["oakfield"]
    engine.dispose()


def test_user_add_refuses_an_unknown_school(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("a-long-enough-password\n"))
    args = [
        "--config",
        str(_config(tmp_path)),
        "user",
        "add",
        "a@b.example",
        "--role",
        "dsl",
        "--school",
        "nowhere",
        "--password-stdin",
    ]
    assert main(args) == 1
    assert "no school 'nowhere' in the config" in capsys.readouterr().err


def test_run_refuses_a_malformed_session_key_before_starting(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("HALLMONITOR_SECRET_KEY", "too-short")
    assert main(["--config", str(EXAMPLE), "run"]) == 1
    err = capsys.readouterr().err
    assert "dashboard.secret_key_env: HALLMONITOR_SECRET_KEY must be 32 bytes" in err
    assert "too-short" not in err


def test_a_wrong_config_stops_run_with_the_key_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        EXAMPLE.read_text().replace('timezone = "Europe/London"', 'timezone = "Nowhere"')
    )
    assert main(["--config", str(path), "run", "--once"]) == 1
    assert (
        "config.toml: trust.timezone: 'Nowhere' is not a known time zone" in capsys.readouterr().err
    )


def _with_url(tmp_path: Path, url: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(EXAMPLE.read_text().replace("sqlite:///hallmonitor.db", url))
    return path


def test_a_database_nobody_answers_for_is_a_message_not_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as probe:  # a loopback port that is certainly closed
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = _with_url(tmp_path, f"postgresql+psycopg://hm:s3cret-pw@127.0.0.1:{port}/hm")
    assert main(["--config", str(config), "db", "upgrade"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: cannot open the database in database.url: "), err
    assert "Traceback" not in err
    assert "s3cret-pw" not in err


@pytest.mark.skipif(POSTGRES_URL is None, reason="HALLMONITOR_TEST_DATABASE_URL not set")
def test_a_postgresql_database_that_does_not_exist_is_a_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert POSTGRES_URL is not None
    url = make_url(POSTGRES_URL).set(database="hallmonitor_nowhere_" + uuid.uuid4().hex[:8])
    config = _with_url(tmp_path, url.render_as_string(hide_password=False))
    for command in (["db", "upgrade"], ["run", "--once"]):
        assert main(["--config", str(config), *command]) == 1
        err = capsys.readouterr().err
        assert "error: cannot open the database in database.url: " in err, err
        assert "does not exist" in err


@pytest.mark.parametrize(
    "argv",
    [
        ["--config", "{config}", "db", "upgrade"],
        ["db", "upgrade", "--config", "{config}"],
        ["db", "--config", "{config}", "upgrade"],
        ["--log-level", "WARNING", "db", "upgrade", "--config", "{config}"],
    ],
)
def test_config_and_log_level_go_before_or_after_the_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    config = str(_config(tmp_path))
    assert main([part.replace("{config}", config) for part in argv]) == 0
    assert "database at revision" in capsys.readouterr().out


def test_report_takes_its_config_after_the_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "reports"
    args = ["report", "--config", str(_config(tmp_path)), "--out", str(out)]
    assert main(args) == 0, capsys.readouterr().err
    assert list(out.rglob("*.html"))


def test_an_option_after_the_command_overrides_the_one_before(tmp_path: Path) -> None:
    parser = build_parser()
    args = parser.parse_args(["--config", "a.toml", "check-config", "--config", "b.toml"])
    assert args.config == "b.toml"
    assert parser.parse_args(["--config", "a.toml", "check-config"]).config == "a.toml"
    assert parser.parse_args(["--log-level", "DEBUG", "check-config"]).log_level == "DEBUG"
