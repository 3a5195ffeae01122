"""Limits every request is held to before it reaches a use case: the request body size
(an ASGI middleware that refuses on Content-Length and counts streamed bytes, so no
oversized body is ever buffered) and the paging bounds. The README's "Limits" table lists
these and the other limits with where each is set."""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .problems import problem

#: rows per page of every paged listing (`limit`)
MAX_PAGE_SIZE = 1000
#: rows a paged listing may skip (`offset`): deeper pages are refused, so an offset never
#: overflows the database's 64-bit OFFSET; filter instead
MAX_OFFSET = 10_000_000


class BodyTooLarge(HTTPException):
    """Raised from `receive` once the body passes the limit: an HTTPException so that
    FastAPI's body parsing lets it through instead of calling the body malformed."""

    def __init__(self, max_bytes: int) -> None:
        super().__init__(413, f"the request body is larger than {max_bytes} bytes")


class BodySizeLimit:
    """Answer 413 problem+json, naming `max_body_bytes`, to a request whose body is larger
    than `max_bytes`: at once when its Content-Length says so (the app never runs),
    otherwise as soon as the streamed bytes pass the limit (the app sees the body cut
    off, so it writes nothing, and whatever it answers is replaced by the 413)."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(scope, receive, send)
            return
        seen = 0
        exceeded = started = False

        async def counting_receive() -> Message:
            nonlocal seen, exceeded
            if exceeded:
                raise BodyTooLarge(self.max_bytes)
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    exceeded = True
                    raise BodyTooLarge(self.max_bytes)
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if exceeded and not started:
                return  # the app's answer to a cut-off body; the 413 goes instead
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except Exception:
            if not exceeded or started:
                raise
        if exceeded and not started:
            await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = problem(
            413,
            "Request body too large",
            f"the request body is larger than the limit max_body_bytes = {self.max_bytes} "
            "bytes; nothing was written",
            Request(scope),
            field="max_body_bytes",
        )
        response.headers["Connection"] = "close"
        await response(scope, receive, send)
