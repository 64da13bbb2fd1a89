"""Errors raised by the platform connectors.

The tree::

    ConnectorError
    ├── AuthError            token expired, revoked or invalid (Graph 190, X 401)
    ├── PermissionMissing    the token lacks a permission or scope (Graph 10, 200-299; X 403)
    ├── RateLimited          slow down; ``retry_after`` seconds until the window reopens
    ├── NotFound             the object is gone (deleted comment, unknown id)
    ├── Unsupported          the platform (or this account's tier) cannot do the operation
    ├── AlreadyDone          the platform refuses because it was already done (one private reply)
    └── TransientError       5xx, timeouts, malformed JSON: try again later

Messages never carry a token: they are built from the platform's error text and our own words,
and each connector's ``_request()`` scrubs every secret it holds from them, in every form
(``connectors.scrub``), before an error leaves it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Self


class ConnectorError(Exception):
    """Anything that went wrong talking to a platform."""

    def __init__(self, message: str, *, code: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code

    def scrubbed(self, scrub: Callable[[str], str]) -> Self:
        """This error with ``scrub`` applied to its message (a connector's last step)."""
        self.message = scrub(self.message)
        self.args = (self.message,)
        return self


class AuthError(ConnectorError):
    """The token no longer works: a person must supply a new one."""


class PermissionMissing(ConnectorError):
    """The token works but lacks the permission for this operation."""


class RateLimited(ConnectorError):
    """The platform asks us to wait ``retry_after`` seconds."""

    def __init__(self, message: str, *, retry_after: float, code: int | None = None) -> None:
        super().__init__(message, code=code)
        self.retry_after = retry_after


class NotFound(ConnectorError):
    """The object does not exist (any more)."""


class Unsupported(ConnectorError):
    """The platform, or the account's access tier, does not offer this operation."""


class AlreadyDone(ConnectorError):
    """The platform says this was done before (e.g. a second private reply)."""


class TransientError(ConnectorError):
    """A failure worth retrying: server errors, timeouts, unreadable replies."""
