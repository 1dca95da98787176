"""The route class of the API's routers (JSON bodies are read strictly, every error is
documented), and the path convertors that keep fixed segments out of a route's id."""

import json
import re
from collections import Counter
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.dependencies.utils import get_dependant
from fastapi.routing import APIRoute
from starlette.convertors import StringConvertor, register_url_convertor
from starlette.routing import compile_path

from app.core.error_docs import with_route_errors


def id_segment_convertor(*fixed_segments: str) -> StringConvertor:
    """A path segment other than the fixed ones beside it: `/api/users/{user_id:not_me}`
    leaves `/api/users/me` to its own routes, so `DELETE /api/users/me` is a 405 naming what
    /me serves (in `Allow`) rather than a 422 about an id. Any other segment still reaches
    the route, whose validation answers a malformed id with a 422."""

    class IdSegmentConvertor(StringConvertor):
        regex = f"(?!(?:{'|'.join(map(re.escape, fixed_segments))})$)[^/]+"

    return IdSegmentConvertor()


register_url_convertor("not_me", id_segment_convertor("me"))
register_url_convertor("order_id", id_segment_convertor("bulk-status", "export.csv"))
register_url_convertor("product_id", id_segment_convertor("export.csv", "import"))


def _refuse_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # `{"role": "user", "role": "admin"}`: parsers disagree on which one counts (a proxy or a
    # log may see the first, Python sees the last), so such a body means nothing.
    repeated = sorted(key for key, count in Counter(key for key, _ in pairs).items() if count > 1)
    if repeated:
        raise json.JSONDecodeError(f"Duplicate keys: {', '.join(repeated)}", "", 0)
    return dict(pairs)


class StrictJSONRequest(Request):
    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            self._json = json.loads(await self.body(), object_pairs_hook=_refuse_duplicate_keys)
        return self._json


class StrictJSONRoute(APIRoute):
    """A JSON body with a repeated key is a 422, like any other JSON it can't read."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()

        async def handle_strictly(request: Request) -> Response:
            return await handle(StrictJSONRequest(request.scope, request.receive))

        return handle_strictly


class ApiRoute(StrictJSONRoute):
    """The API's routes: strict JSON, and every error each can answer in its responses."""

    def __init__(
        self,
        path: str,
        endpoint: Callable[..., Any],
        *,
        responses: dict[int | str, dict[str, Any]] | None = None,
        **kwargs: Any,
    ) -> None:
        dependant = get_dependant(path=compile_path(path)[1], call=endpoint)
        super().__init__(
            path, endpoint, responses=with_route_errors(responses or {}, dependant), **kwargs
        )
