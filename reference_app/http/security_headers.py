"""Security headers on every response, errors and 304/429 included (property E2).

Sets ``X-Content-Type-Options``, ``Content-Security-Policy``, ``X-Frame-Options``,
``Referrer-Policy``, ``Permissions-Policy``, COOP/CORP and HSTS; strips ``Server`` and
``X-Powered-By``; defaults ``Cache-Control: no-store`` when the route set no
``Cache-Control`` (only routes that opt in are cacheable, reference-app.md "HTTP caching").

The strict CSP (``default-src 'none'``) would blank the interactive docs, so paths under
``/docs`` and ``/redoc`` get a policy admitting exactly the assets FastAPI's Swagger UI and
ReDoc pages load.

uvicorn adds its own ``server`` header after the app has answered: no middleware can
remove it. Start uvicorn with ``server_header=False`` (``--no-server-header``).
"""

from __future__ import annotations

from collections.abc import Sequence

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from reference_app.http.headers import remove_headers, response_headers, set_default

#: HSTS lifetime: one year, the minimum the preload list accepts.
HSTS_MAX_AGE_SECONDS = 31_536_000

#: The API serves JSON only: nothing may load, nothing may frame it.
STRICT_CSP = "default-src 'none'; frame-ancestors 'none'"

#: Swagger UI and ReDoc as FastAPI serves them: bundles from jsdelivr, an inline bootstrap
#: script, the FastAPI favicon, ReDoc's Google fonts and its blob: web worker.
DOCS_CSP = (
    "default-src 'none'; "
    "script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net https://fonts.googleapis.com; "
    "font-src https://fonts.gstatic.com; "
    "img-src 'self' data: https://fastapi.tiangolo.com https://cdn.redoc.ly; "
    "connect-src 'self'; "
    "worker-src blob:; "
    "frame-ancestors 'none'"
)

#: Paths (and everything under them) served with ``DOCS_CSP``.
DOCS_PATH_PREFIXES = ("/docs", "/redoc")

#: Powerful browser features, all disabled: ``feature=()`` allows no origin.
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "encrypted-media",
        "fullscreen",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "picture-in-picture",
        "publickey-credentials-get",
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
)

#: Banners that only help an attacker fingerprint the stack.
BANNER_HEADERS = (b"server", b"x-powered-by")


def _under(path: str, prefixes: Sequence[str]) -> bool:
    return any(path == prefix or path.startswith(prefix.rstrip("/") + "/") for prefix in prefixes)


def security_headers(
    path: str,
    *,
    hsts_max_age: int = HSTS_MAX_AGE_SECONDS,
    include_subdomains: bool = True,
    docs_prefixes: Sequence[str] = DOCS_PATH_PREFIXES,
) -> list[tuple[bytes, bytes]]:
    """The header pairs for a response to ``path`` (also used by the last-resort 500).

    >>> dict(security_headers("/api/v1/incidents"))[b"x-frame-options"]
    b'DENY'
    """
    hsts = f"max-age={hsts_max_age}" + ("; includeSubDomains" if include_subdomains else "")
    csp = DOCS_CSP if _under(path, docs_prefixes) else STRICT_CSP
    return [
        (b"x-content-type-options", b"nosniff"),
        (b"content-security-policy", csp.encode("ascii")),
        (b"x-frame-options", b"DENY"),
        (b"referrer-policy", b"no-referrer"),
        (b"permissions-policy", PERMISSIONS_POLICY.encode("ascii")),
        (b"cross-origin-opener-policy", b"same-origin"),
        (b"cross-origin-resource-policy", b"same-origin"),
        (b"strict-transport-security", hsts.encode("ascii")),
    ]


class SecurityHeadersMiddleware:
    """Adds the security headers to every HTTP response.

    >>> app = SecurityHeadersMiddleware(inner_app, hsts_max_age=31_536_000)
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        hsts_max_age: int = HSTS_MAX_AGE_SECONDS,
        include_subdomains: bool = True,
        docs_prefixes: Sequence[str] = DOCS_PATH_PREFIXES,
        default_cache_control: str = "no-store",
    ) -> None:
        if hsts_max_age < 0:
            raise ValueError(f"hsts_max_age={hsts_max_age} is negative. Use seconds, e.g. {HSTS_MAX_AGE_SECONDS}.")
        self.app = app
        self.hsts_max_age = hsts_max_age
        self.include_subdomains = include_subdomains
        self.docs_prefixes = tuple(docs_prefixes)
        self.default_cache_control = default_cache_control.encode("latin-1")
        # Built once: the pairs depend only on whether the path is under the docs.
        self._api_headers = security_headers(
            "/", hsts_max_age=hsts_max_age, include_subdomains=include_subdomains, docs_prefixes=()
        )
        self._docs_headers = security_headers(
            self.docs_prefixes[0] if self.docs_prefixes else "/docs",
            hsts_max_age=hsts_max_age,
            include_subdomains=include_subdomains,
        )
        #: Names replaced by ours, and the banners, dropped in one pass per response.
        self._dropped = frozenset(BANNER_HEADERS) | {name for name, _ in self._api_headers}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = self._docs_headers if _under(scope.get("path", ""), self.docs_prefixes) else self._api_headers

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = response_headers(message)
                remove_headers(headers, self._dropped)
                headers.extend(extra)
                set_default(headers, b"cache-control", self.default_cache_control)
            await send(message)

        await self.app(scope, receive, send_with_headers)
