"""Who is calling the simulated X API: a Bearer user token, or an OAuth 1.0a signature.

An OAuth 1.0a request is checked as X checks it: the HMAC-SHA1 signature over the method, the
URL and every query and ``oauth_*`` parameter must match the one made with the account's
consumer secret and token secret. A Bearer token is refused for an OAuth 1.0a account.
"""

from __future__ import annotations

from aiohttp import web
from oauthlib.oauth1 import Client
from oauthlib.oauth1.rfc5849 import signature, utils

from connectors.records import Platform
from connectors.simulator.state import SimAccount, SimState


def caller(request: web.Request, state: SimState) -> SimAccount | None:
    header = request.headers.get("Authorization", "")
    if header.startswith("OAuth "):
        return _signed_by(request, state, header)
    account = state.account_by_token(header.removeprefix("Bearer ").strip())
    if account is None or account.kind is not Platform.X or account.token_secret is not None:
        return None
    return account


def _signed_by(request: web.Request, state: SimState, header: str) -> SimAccount | None:
    try:
        oauth = {k: utils.unescape(v) for k, v in utils.parse_authorization_header(header)}
    except ValueError:
        return None
    account = state.account_by_token(oauth.get("oauth_token"))
    if (
        account is None
        or account.kind is not Platform.X
        or account.token_secret is None
        or account.consumer_secret is None
        or oauth.get("oauth_consumer_key") != account.consumer_key
        or oauth.get("oauth_signature_method") != "HMAC-SHA1"
    ):
        return None
    params = [*request.query.items()]
    params += [
        (k, v) for k, v in oauth.items() if k.startswith("oauth_") and k != "oauth_signature"
    ]
    base = signature.signature_base_string(
        request.method,
        signature.base_string_uri(str(request.url)),
        signature.normalize_parameters(params),
    )
    keys = Client(
        account.consumer_key,
        client_secret=account.consumer_secret,
        resource_owner_secret=account.token_secret,
    )
    expected = signature.sign_hmac_sha1_with_client(base, keys)
    matches = signature.safe_string_equals(expected, oauth.get("oauth_signature", ""))
    return account if matches else None
