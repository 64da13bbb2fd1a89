"""Who may see what: a user's schools, and who may read safeguarding text."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlmodel import Session, select

from bot.labels import Label
from models import Role, User, UserSchool

RESTRICTED_LABELS: frozenset[str] = frozenset({Label.SAFEGUARDING.value})
"""Labels whose text, author, reasons and suggested reply only DSLs and trust admins may read."""


@dataclass(frozen=True, slots=True)
class Viewer:
    """The signed-in user, as the access checks need them."""

    id: int
    email: str
    name: str
    role: Role
    schools: frozenset[str]
    """The schools of a champion or DSL; ignored for a trust admin, who sees every school."""
    fingerprint: str = ""

    @property
    def is_admin(self) -> bool:
        return self.role is Role.TRUST_ADMIN

    @property
    def display(self) -> str:
        return self.name or self.email

    def school_filter(self) -> frozenset[str] | None:
        """``None`` means every school; otherwise the only schools this user may list."""
        return None if self.is_admin else self.schools

    def sees_school(self, school_id: str) -> bool:
        return self.is_admin or school_id in self.schools

    @property
    def lists_restricted(self) -> bool:
        """DSLs and trust admins see safeguarding rows in the queue; champions see a count."""
        return self.is_admin or self.role is Role.DSL

    def reads_restricted(self, school_id: str) -> bool:
        """DSLs of that school and trust admins read safeguarding items."""
        if self.is_admin:
            return True
        return self.role is Role.DSL and school_id in self.schools


def is_restricted(label: str) -> bool:
    return label in RESTRICTED_LABELS


def can_see_text(viewer: Viewer, school_id: str, label: str) -> bool:
    """May ``viewer`` read a comment of this school with this label (text, author, reasons)?"""
    if not viewer.sees_school(school_id):
        return False
    return not is_restricted(label) or viewer.reads_restricted(school_id)


def password_fingerprint(password_hash: str) -> str:
    """Kept in the session: a password change signs every other session out."""
    return hashlib.sha256(password_hash.encode()).hexdigest()[:16]


def load_viewer(session: Session, user_id: int) -> Viewer | None:
    """The viewer for a user id, or ``None`` if the user is gone."""
    user = session.get(User, user_id)
    if user is None or user.id is None:
        return None
    schools = session.exec(select(UserSchool.school_id).where(UserSchool.user_id == user.id)).all()
    return Viewer(
        id=user.id,
        email=user.email,
        name=user.name,
        role=user.role,
        schools=frozenset(schools),
        fingerprint=password_fingerprint(user.password_hash),
    )
