"""Secrets scrubbed from error text in every form a platform may echo them back in."""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import quote, quote_plus

_MASK = "***"
_MIN_LENGTH = 4


def secret_forms(secret: str) -> set[str]:
    """The secret as sent and as URL-encoded (``%2F`` or ``/``, ``+`` or ``%20`` for a space)."""
    return {secret, quote(secret, safe=""), quote(secret), quote_plus(secret)}


class Scrubber:
    """Replaces each secret, raw or URL-encoded (any hex case), with ``mask``.

    Each connector makes one from everything it holds (tokens, the app secret and the
    ``appsecret_proof`` made from them, OAuth 1.0a keys) and runs every error message through
    it at its one ``_request()`` boundary.
    """

    def __init__(self, secrets: Iterable[str | None], mask: str = _MASK) -> None:
        self._mask = mask
        forms = {
            form
            for secret in secrets
            if secret and len(secret) >= _MIN_LENGTH
            for form in secret_forms(secret)
        }
        ordered = sorted(forms, key=len, reverse=True)
        self._pattern = (
            re.compile("|".join(map(re.escape, ordered)), re.IGNORECASE) if ordered else None
        )

    def __call__(self, text: str) -> str:
        return self._pattern.sub(self._mask, text) if self._pattern is not None else text
