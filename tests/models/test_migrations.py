"""The migrations build exactly the tables the code declares, on every backend."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel, select

from models import Account, Comment, School, session_scope
from models.migrate import alembic_config, current_revision, upgrade


def _head() -> str | None:
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def test_upgrade_creates_the_declared_schema(engine: Engine) -> None:
    assert _head() == "0005"
    assert current_revision(engine) == _head()
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diff = compare_metadata(context, SQLModel.metadata)
    assert diff == []


def test_upgrade_twice_is_harmless(engine: Engine) -> None:
    upgrade(engine)
    assert current_revision(engine) == _head()


def _comment(account_id: int, platform_id: str, text: str) -> Comment:
    return Comment(
        platform="facebook",
        platform_id=platform_id,
        account_id=account_id,
        school_id="oakfield",
        post_id="p1",
        author_id="a1",
        author_name="Parent",
        text=text,
        created_at=datetime(2026, 11, 20, 9, 30, tzinfo=timezone(timedelta(hours=1))),
    )


def test_comments_are_unique_per_platform_id_and_keep_odd_text(engine: Engine) -> None:
    odd = "مرحبا 👋🏽 <b>bold</b> " + "x" * 10_000 + "\u200b"
    with session_scope(engine) as session:
        session.add(School(id="oakfield", name="Oakfield"))
        session.flush()
        account = Account(school_id="oakfield", platform="facebook", platform_account_id="1")
        session.add(account)
        session.flush()
        assert account.id is not None
        session.add(_comment(account.id, "c1", odd))
        account_id = account.id
    with Session(engine) as session:
        stored = session.exec(select(Comment)).one()
        assert stored.text == odd
        assert stored.created_at == datetime(2026, 11, 20, 8, 30, tzinfo=UTC)
    with pytest.raises(IntegrityError), session_scope(engine) as session:
        session.add(_comment(account_id, "c1", "again"))
