"""``hallmonitor report``: writes the files, sends only with --send, and says what is wrong."""

from __future__ import annotations

import email
import email.policy
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.cli import main

pytestmark = pytest.mark.sqlite_only


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    """main() puts a handler on the root logger bound to the captured stderr: take it off."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def _config(tmp_path: Path, email_section: str = "enabled = false") -> Path:
    path = tmp_path / "config.toml"
    path.write_text(
        f"""
[trust]
name = "Riverside Trust"
[database]
url = "sqlite:///{tmp_path / "hm.db"}"
[email]
{email_section}
from_address = "hm@riverside.example"
[reports]
dir = "{tmp_path / "reports"}"
trust_recipients = ["ceo@riverside.example"]
[[schools]]
id = "oakfield"
name = "Oakfield Primary"
report_recipients = ["head@oakfield.example"]
[[schools.accounts]]
platform = "facebook"
account_id = "fb1"
name = "Oakfield FB"
token_env = "OAK_FB"
""",
        encoding="utf-8",
    )
    return path


def test_writes_every_report_of_the_week(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = _config(tmp_path)
    assert main(["--config", str(config), "report", "--week", "2026-W43"]) == 0
    out = capsys.readouterr().out
    folder = tmp_path / "reports" / "2026-W43"
    for name in ("oakfield", "trust"):
        for ext in ("html", "csv", "png"):
            assert (folder / f"{name}.{ext}").is_file()
            assert str(folder / f"{name}.{ext}") in out
    assert "week 2026-W43: 2 report(s) written" in out
    page = (folder / "oakfield.html").read_text(encoding="utf-8")
    assert "Oakfield FB" in page  # the account was synced from the config
    assert "no snapshot" in page


def test_one_school_to_another_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = _config(tmp_path)
    out_dir = tmp_path / "elsewhere"
    args = ["--config", str(config), "report", "--week", "2026-W01", "--school", "oakfield"]
    assert main([*args, "--out", str(out_dir)]) == 0
    assert sorted(p.name for p in (out_dir / "2026-W01").iterdir()) == [
        "oakfield.csv",
        "oakfield.html",
        "oakfield.png",
    ]
    assert not (tmp_path / "reports").exists()
    assert "sent" not in capsys.readouterr().out


@pytest.mark.parametrize("week", ["2026-W54", "next week"])
def test_a_bad_week_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str], week: str) -> None:
    assert main(["--config", str(_config(tmp_path)), "report", "--week", week]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: --week: ")
    assert "2026-W47" in err or "is not a week of 2026" in err


def test_an_unknown_school_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--config", str(_config(tmp_path)), "report", "--school", "elm"]) == 2
    assert capsys.readouterr().err == (
        "error: --school: no school 'elm' in the config (known: oakfield)\n"
    )


def test_send_needs_email_configured(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = _config(tmp_path)
    assert main(["--config", str(config), "report", "--week", "2026-W43", "--send"]) == 1
    assert "email is not enabled in the config" in capsys.readouterr().err
    assert (tmp_path / "reports" / "2026-W43" / "trust.html").is_file()  # written all the same


def test_send_to_a_maildir(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = _config(tmp_path, f'enabled = false\nmaildir = "{tmp_path / "mail"}"')
    assert main(["--config", str(config), "report", "--week", "2026-W43", "--send"]) == 0
    out = capsys.readouterr().out
    assert "sent the oakfield report to head@oakfield.example" in out
    assert "sent the trust report to ceo@riverside.example" in out
    messages = [
        email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        for path in (tmp_path / "mail").iterdir()
    ]
    assert sorted(str(m["To"]) for m in messages) == [
        "ceo@riverside.example",
        "head@oakfield.example",
    ]


def test_a_broken_config_is_reported(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--config", str(tmp_path / "missing.toml"), "report"]) == 1
    assert "missing.toml: file not found" in capsys.readouterr().err
