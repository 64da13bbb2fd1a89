"""The client's address behind a reverse proxy, from ``X-Forwarded-For``, for trusted proxies only.

Behind nginx or Caddy (how HTTPS reaches the dashboard) every request comes from the proxy,
so the sign-in limiter would count the whole trust as one address: 20 failed sign-ins by
anyone would pause sign-in for everyone. The header is believed only from the addresses in
``dashboard.trusted_proxies``, and read right to left like uvicorn's and werkzeug's proxy
fixes: the first address that is not a trusted proxy is the client; anything left of it
could have been written by the client itself.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def _trusted(address: str | None, networks: Sequence[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return False
    return any(ip in network for network in networks)


def client_address(
    remote: str | None, forwarded: Sequence[str], networks: Sequence[Network]
) -> str | None:
    """The client's address, or ``remote`` when the request did not come through a trusted proxy."""
    if not _trusted(remote, networks):
        return remote
    hops = [hop.strip() for header in forwarded for hop in header.split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _trusted(hop, networks):
            return hop
    return hops[0] if hops else remote


def forwarded_for(networks: Sequence[Network]) -> Middleware:
    """Middleware that sets ``request.remote`` to the client behind a trusted proxy."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        client = client_address(
            request.remote, request.headers.getall("X-Forwarded-For", []), networks
        )
        if client is not None and client != request.remote:
            request = request.clone(remote=client)
        return await handler(request)

    return middleware
