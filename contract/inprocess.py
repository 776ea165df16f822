"""The in-process mode: the bundled app's ASGI callable, imported by the path in config.

``[contract] asgi_app = "package.module:factory"`` names either an ASGI app or a factory
returning one. The core never imports the reference app; this is the one place the
contract suite reaches it, by name, at run time.
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from contract.errors import AppImportError

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: What a crashed request answers in process: what uvicorn answers over the network.
_CRASH_BODY = b"Internal Server Error"


def load_asgi_app(import_path: str) -> ASGIApp:
    """Import ``module:attribute``; call it when it is a factory (a callable of no arguments)."""
    module_name, sep, attribute = import_path.partition(":")
    if not sep or not module_name or not attribute:
        raise AppImportError(
            f"[contract] asgi_app = {import_path!r} is not 'module:attribute'; "
            "example: asgi_app = 'reference_app.asgi:app_from_env'"
        )
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise AppImportError(f"[contract] asgi_app = {import_path!r}: cannot import {module_name!r} ({exc})") from None
    target = getattr(module, attribute, None)
    if target is None:
        raise AppImportError(f"[contract] asgi_app = {import_path!r}: {module_name!r} has no {attribute!r}")
    app = target() if _is_factory(target) else target
    return CrashesAsServerErrors(app)


def _is_factory(obj: Any) -> bool:
    import inspect

    if not callable(obj) or inspect.isclass(obj):
        return False
    try:
        parameters = inspect.signature(obj).parameters
    except (TypeError, ValueError):
        return False
    return all(p.default is not inspect.Parameter.empty or p.kind in (p.VAR_KEYWORD, p.VAR_POSITIONAL)
               for p in parameters.values())  # fmt: skip


class CrashesAsServerErrors:
    """Answer 500 for an exception the app lets escape, as a server process would.

    In process, Schemathesis sees an escaped exception as an error of the *run*, not a
    500 of the *target* (TOOLCHAIN.md); over the network uvicorn turns it into a 500.
    Wrapping the app gives both modes the same failures.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watched_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, watched_send)
        except Exception:
            if started:
                return  # the app already answered (Starlette sends its 500, then re-raises)
            await send({"type": "http.response.start", "status": 500,
                        "headers": [(b"content-type", b"text/plain; charset=utf-8")]})  # fmt: skip
            await send({"type": "http.response.body", "body": _CRASH_BODY})
