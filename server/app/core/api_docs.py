"""Swagger UI and ReDoc with their scripts, styles and images served by the API itself, so the
pages work without internet access (FastAPI's defaults load them from a CDN) and under a
Content-Security-Policy that names no other host.

The files come from the `fastapi-standalone-docs` wheel, which ships swagger-ui-dist and
ReDoc's standalone bundle pinned (docs/dependencies.md). Its `StandaloneDocs` helper is
not used: it replaces functions in `fastapi.applications` for every app in the process; the
routes below are FastAPI's documented way to serve the pages with self-hosted assets.
"""

from importlib.metadata import version
from pathlib import Path

import fastapi_standalone_docs
from fastapi import FastAPI
from fastapi.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.staticfiles import StaticFiles

ASSETS_DIR = Path(fastapi_standalone_docs.__file__).parent / "static"
# The package's version names the files' URL: an upgrade changes it, so the proxy can let
# browsers keep them for a year (nginx/snippets/server-common.conf).
ASSETS_URL = f"/api/docs/assets/{version('fastapi-standalone-docs')}"


def add_api_docs(
    app: FastAPI, *, openapi_url: str, docs_url: str, oauth2_redirect_url: str, redoc_url: str
) -> None:
    """Swagger UI at `docs_url` and its OAuth2 redirect page, ReDoc at `redoc_url`, both
    reading the schema at `openapi_url`; the app is created with `docs_url=None,
    redoc_url=None`, so FastAPI adds no pages of its own."""
    favicon_url = f"{ASSETS_URL}/fastapi/favicon.png"

    app.mount(ASSETS_URL, StaticFiles(directory=ASSETS_DIR), name="api_docs_assets")

    @app.get(docs_url, include_in_schema=False)
    async def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=openapi_url,
            title=f"{app.title} - Swagger UI",
            swagger_js_url=f"{ASSETS_URL}/swagger/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS_URL}/swagger/swagger-ui.css",
            swagger_favicon_url=favicon_url,
            oauth2_redirect_url=oauth2_redirect_url,
            init_oauth=app.swagger_ui_init_oauth,
            swagger_ui_parameters=app.swagger_ui_parameters,
        )

    @app.get(oauth2_redirect_url, include_in_schema=False)
    async def swagger_ui_oauth2_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    @app.get(redoc_url, include_in_schema=False)
    async def redoc() -> HTMLResponse:
        return get_redoc_html(
            openapi_url=openapi_url,
            title=f"{app.title} - ReDoc",
            redoc_js_url=f"{ASSETS_URL}/redoc/redoc.standalone.js",
            redoc_favicon_url=favicon_url,
            # Google's fonts are another host; ReDoc falls back to the system's.
            with_google_fonts=False,
        )

    # The package's ReDoc bundle asks for its logo at the page's path + "/logo-mini.svg"
    # instead of Redocly's CDN.
    @app.get(f"{redoc_url}/logo-mini.svg", include_in_schema=False)
    async def redoc_logo() -> FileResponse:
        return FileResponse(ASSETS_DIR / "redoc" / "logo-mini.svg", media_type="image/svg+xml")
