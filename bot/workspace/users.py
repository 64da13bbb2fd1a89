"""Dashboard users: creation, password hashing and checking."""

from __future__ import annotations

import re

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlmodel import Session, select

from models import Role, School, User, UserSchool

_HASHER = PasswordHasher()
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MIN_PASSWORD = 10


class UserError(Exception):
    """A user cannot be created or changed as asked."""


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def create_user(
    session: Session,
    *,
    email: str,
    password: str,
    role: Role,
    schools: list[str],
    name: str = "",
) -> User:
    email = email.strip().lower()
    if not _EMAIL.match(email):
        raise UserError(f"{email!r} is not an email address")
    if len(password) < MIN_PASSWORD:
        raise UserError(f"the password must have at least {MIN_PASSWORD} characters")
    if role is not Role.TRUST_ADMIN and not schools:
        raise UserError(f"a {role.value} needs at least one --school")
    if session.exec(select(User).where(User.email == email)).first() is not None:
        raise UserError(f"a user {email} exists already")
    for school_id in schools:
        if session.get(School, school_id) is None:
            raise UserError(f"no school {school_id!r} in the config")
    user = User(email=email, name=name, password_hash=hash_password(password), role=role)
    session.add(user)
    session.flush()
    assert user.id is not None
    for school_id in schools:
        session.add(UserSchool(user_id=user.id, school_id=school_id))
    return user
