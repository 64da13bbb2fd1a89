"""Colleagues: who may be given an item, and the notes people leave on one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, or_, select

from bot.workspace.access import is_restricted
from models import ItemNote, Role, User, UserSchool

MAX_NOTE = 4000


@dataclass(frozen=True, slots=True)
class NoteView:
    author: str
    text: str
    created_at: datetime


def colleagues(session: Session, school_id: str, label: str) -> list[tuple[int, str]]:
    """(id, name) of everyone who may act on an item of this school with this label, by name.

    Champions and DSLs of the school and trust admins; for safeguarding, DSLs and admins only."""
    of_school = select(UserSchool.user_id).where(UserSchool.school_id == school_id)
    stmt = select(User).where(or_(col(User.role) == Role.TRUST_ADMIN, col(User.id).in_(of_school)))
    if is_restricted(label):
        stmt = stmt.where(col(User.role) != Role.CHAMPION)
    users = session.exec(stmt).all()
    found = [(user.id, user.name or user.email) for user in users if user.id is not None]
    return sorted(found, key=lambda pair: pair[1].lower())


def notes(session: Session, item_id: int) -> list[NoteView]:
    rows = session.exec(
        select(ItemNote, User.name, User.email)
        .join(User, col(User.id) == ItemNote.user_id)
        .where(ItemNote.queue_item_id == item_id)
        .order_by(col(ItemNote.created_at), col(ItemNote.id))
    ).all()
    return [NoteView(name or email, note.text, note.created_at) for note, name, email in rows]
