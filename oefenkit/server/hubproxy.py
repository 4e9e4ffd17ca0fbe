"""``python -m oefenkit.server.hubproxy``: jhsingle-native-proxy, fixed for Tornado 6.6.

jhsingle-native-proxy (0.8.3) opens websockets in its own ``ws_get`` and calls
``check_origin(origin)`` itself, as Tornado did before 6.6. Since Tornado 6.6
``check_origin`` no longer compares the ``Origin`` with the ``Host`` header (the
caller does that first), so every browser websocket through the proxy got 403
"Cross origin websockets not allowed" and no app could talk to its kernel.

This entry point restores the same-origin rule for the proxy's websockets and
then runs jhsingle-native-proxy with the given arguments: a websocket is
accepted when the browser says it is same-origin (``Sec-Fetch-Site``), or when
its ``Origin`` names the host the request was sent to. Cross-site websockets
stay refused.

It also hands the hub OAuth token that authenticated each request (HTTP and
websocket) to the kit in the header ``X-Oefenkit-Hub-Token``, after dropping any
header of that name the browser sent: the kit checks that token with the hub
itself (``oefenkit.server.hub``), so a hub logout or a removed hub user ends the
kit's access within seconds instead of after the proxy's five-minute cache.
"""

from __future__ import annotations

from urllib.parse import urlsplit

__all__ = ["same_origin", "forward_hub_token", "main"]

#: Must equal ``oefenkit.server.hub.TOKEN_HEADER`` (not imported: the proxy loads no kit code).
TOKEN_HEADER = "X-Oefenkit-Hub-Token"


def same_origin(handler, origin: str) -> bool:
    """Tornado's pre-6.6 websocket origin rule, plus the browser's own ``Sec-Fetch-Site`` verdict."""
    fetch_site = handler.request.headers.get("Sec-Fetch-Site")
    if fetch_site in {"same-origin", "none"}:
        return True
    if fetch_site is not None:  # cross-site or same-site (another port or subdomain)
        return False
    return urlsplit(origin).netloc.lower() == handler.request.headers.get("Host", "").lower()


def forward_hub_token(handler, headers):
    """``headers`` for the kit: without a browser-sent token header, with the request's hub token."""
    while TOKEN_HEADER in headers:
        del headers[TOKEN_HEADER]
    token = handler.hub_auth.get_token(handler)
    if token:
        headers[TOKEN_HEADER] = token
    return headers


def main() -> None:
    # only in the hub's single-user proxy process (its own entry point), not in the kit's server
    from jhsingle_native_proxy import main as proxy_main
    from jhsingle_native_proxy.proxyhandlers import ProxyHandler

    ProxyHandler.check_origin = same_origin
    request_headers = ProxyHandler.proxy_request_headers
    ProxyHandler.proxy_request_headers = lambda self: forward_hub_token(self, request_headers(self))
    proxy_main.run()


if __name__ == "__main__":
    main()
