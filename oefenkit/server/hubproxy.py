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
"""

from __future__ import annotations

from urllib.parse import urlsplit

__all__ = ["same_origin", "main"]


def same_origin(handler, origin: str) -> bool:
    """Tornado's pre-6.6 websocket origin rule, plus the browser's own ``Sec-Fetch-Site`` verdict."""
    fetch_site = handler.request.headers.get("Sec-Fetch-Site")
    if fetch_site in {"same-origin", "none"}:
        return True
    if fetch_site is not None:  # cross-site or same-site (another port or subdomain)
        return False
    return urlsplit(origin).netloc.lower() == handler.request.headers.get("Host", "").lower()


def main() -> None:
    from jhsingle_native_proxy import main as proxy_main
    from jhsingle_native_proxy.proxyhandlers import ProxyHandler

    ProxyHandler.check_origin = same_origin
    proxy_main.run()


if __name__ == "__main__":
    main()
