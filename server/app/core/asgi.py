"""Plumbing shared by the pure-ASGI middlewares that observe each request."""

import time
from abc import ABC, abstractmethod

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class ResponseStartRecorder:
    """A `send` that passes every message on and keeps the response's status and headers.

    The status stays 500 if no response starts: the app raised, and the server answers 500.
    """

    def __init__(self, send: Send) -> None:
        self._send = send
        self.status = 500
        self.headers: list[tuple[bytes, bytes]] = []

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
            self.headers = message.get("headers", [])
        await self._send(message)


class RequestObserver(ABC):
    """A middleware told of every HTTP request once it is answered (or has raised): its scope,
    the response's start and how long it took. Pure ASGI: no request objects are built."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        response = ResponseStartRecorder(send)
        try:
            await self.app(scope, receive, response)
        finally:
            self.observe(scope, response, time.perf_counter() - started)

    @abstractmethod
    def observe(self, scope: Scope, response: ResponseStartRecorder, seconds: float) -> None:
        """Record the request; runs in the request's task, so it must be quick."""
