"""Dashboard sign-in: password check, lock-out after repeated failures, and a rate limit.

Every failure looks the same to the person signing in (wrong password, unknown email, locked
account, too many attempts), so the form never reveals whether an email has an account.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import cache

from sqlmodel import Session, select

from bot.workspace.users import MIN_PASSWORD, hash_password, verify_password
from models import User

_LOGGER = logging.getLogger(__name__)

LOCK_AFTER = 5
"""Failed sign-ins in a row before an account is locked."""
LOCK_FOR = timedelta(minutes=15)


class PasswordChangeError(Exception):
    """The password cannot be changed as asked; the message is safe to show."""


@cache
def _dummy_hash() -> str:
    """Checked against for unknown emails, so they take as long as known ones."""
    return hash_password("not-a-real-password-0000")


class SignInLimiter:
    """Sliding-window limits on sign-in attempts per client address and per email.

    In memory, per process: enough for one dashboard process. Attempts for unknown emails
    count exactly like those for known ones.
    """

    def __init__(
        self,
        *,
        per_address: int = 20,
        per_email: int = LOCK_AFTER,
        window: float = 15 * 60,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._limits = {"address": per_address, "email": per_email}
        self._window = window
        self._clock = clock
        self._hits: dict[tuple[str, str], deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: tuple[str, str], now: float) -> deque[float]:
        hits = self._hits.setdefault(key, deque())
        while hits and hits[0] <= now - self._window:
            hits.popleft()
        return hits

    def allowed(self, address: str, email: str) -> bool:
        now = self._clock()
        with self._lock:
            keys = (("address", address), ("email", email))
            return all(len(self._recent(key, now)) < self._limits[key[0]] for key in keys)

    def failed(self, address: str, email: str) -> None:
        now = self._clock()
        with self._lock:
            for key in (("address", address), ("email", email)):
                self._recent(key, now).append(now)

    def succeeded(self, email: str) -> None:
        with self._lock:
            self._hits.pop(("email", email), None)


def normalise_email(email: str) -> str:
    return email.strip().lower()


def authenticate(session: Session, email: str, password: str, *, now: datetime) -> User | None:
    """The user if the password is right and the account not locked; counts failures."""
    email = normalise_email(email)
    user = session.exec(select(User).where(User.email == email)).first()
    if user is None:
        verify_password(_dummy_hash(), password)
        return None
    locked = user.locked_until is not None and user.locked_until > now
    if verify_password(user.password_hash, password) and not locked:
        user.failed_logins = 0
        user.locked_until = None
        return user
    if not locked:
        user.failed_logins += 1
        if user.failed_logins >= LOCK_AFTER:
            user.failed_logins = 0
            user.locked_until = now + LOCK_FOR
            _LOGGER.warning("sign-in locked for user %s after %d failures", user.id, LOCK_AFTER)
    return None


def change_password(session: Session, user_id: int, current: str, new: str, again: str) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise PasswordChangeError("your account no longer exists")
    if not verify_password(user.password_hash, current):
        raise PasswordChangeError("the current password is not right")
    if new != again:
        raise PasswordChangeError("the two new passwords differ")
    if len(new) < MIN_PASSWORD:
        raise PasswordChangeError(f"the new password needs at least {MIN_PASSWORD} characters")
    if new == current:
        raise PasswordChangeError("the new password is the same as the current one")
    user.password_hash = hash_password(new)
    user.failed_logins = 0
    user.locked_until = None
    return user
