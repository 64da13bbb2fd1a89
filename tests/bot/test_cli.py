"""The command line: every command listed, clear errors, users created from stdin."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest
from sqlmodel import Session, select

from bot.cli import build_parser, main
from models import Role, User, UserSchool, make_engine

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
    assert "database at revision 0002" in capsys.readouterr().out


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
