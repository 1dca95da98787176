"""Every error the app answers on a route is documented on it.

`running_app` installs `ErrorRecorder` on each app the tests run; it notes the (method, route,
status, code) of every error response. When the run ends, any of them missing from that
operation's OpenAPI responses fails the run, listed (tests/conftest.py's
`pytest_sessionfinish`). The app itself is unchanged: this only
watches what it sends.
"""

import json
from collections.abc import Callable
from typing import Any

import pytest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.routing import ApiRoute

# (method, path as documented, status, code)
Answer = tuple[str, str, int, str]

_answers: set[Answer] = set()
_documents: list[Callable[[], dict[str, Any]]] = []


class ErrorRecorder:
    def __init__(self, app: ASGIApp, openapi: Callable[[], dict[str, Any]]) -> None:
        self.app = app
        if not _documents:
            _documents.append(openapi)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 0
        chunks: list[bytes] = []

        async def watch(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body" and status >= 400:
                chunks.append(message.get("body", b""))
            await send(message)

        await self.app(scope, receive, watch)
        route = scope.get("route")
        if status < 400 or not isinstance(route, ApiRoute):
            return
        if scope["method"] not in (route.methods or set()):
            return  # a 405: the path's, not this operation's
        try:
            body = json.loads(b"".join(chunks))
        except ValueError:
            body = None
        code = body.get("code") if isinstance(body, dict) else "<no JSON code>"
        _answers.add((scope["method"].lower(), route.path_format, status, str(code)))


def documented_errors(document: dict[str, Any]) -> set[Answer]:
    """Every (method, path, status, code) the document lists: each error body's `code` const."""
    schemas = document["components"]["schemas"]
    documented = set()
    for path, item in document["paths"].items():
        for method, operation in item.items():
            for status, response in operation["responses"].items():
                schema = response.get("content", {}).get("application/json", {}).get("schema", {})
                for variant in schema.get("anyOf", [schema]):
                    name = variant.get("$ref", "").rpartition("/")[2]
                    code = schemas.get(name, {}).get("properties", {}).get("code", {})
                    if "const" in code:
                        documented.add((method, path, int(status), code["const"]))
    return documented


def fail_on_undocumented_errors(session: pytest.Session) -> None:
    if not _answers or not _documents:
        return
    missing = sorted(_answers - documented_errors(_documents[0]()))
    if missing:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        lines = "\n".join(f"  {m.upper()} {p} {s} {c}" for m, p, s, c in missing)
        message = f"Errors the app answered that the OpenAPI document doesn't list:\n{lines}"
        if reporter is not None:
            reporter.write_line(message, red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
