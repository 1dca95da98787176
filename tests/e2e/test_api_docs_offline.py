"""Swagger UI and ReDoc in Chromium with no internet: the real API behind the project's nginx,
every request for another host aborted and recorded. The pages must work from the site alone:
Swagger lists the operations, signs in as the superuser through its Authorize dialog (the
OAuth2 password flow on /api/auth/token), runs `GET /api/users/me` and tries a body out from
the example it pre-fills; ReDoc shows the API."""

import json
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from e2e_support import SUPERUSER, SUPERUSER_PASSWORD, SUPERUSER_SETTINGS, BrowserProblems
from helpers import TOKEN_URL, scratch_database
from nginx_support import Proxy, running_api, running_proxy, stand_in_frontend
from playwright.async_api import Browser, BrowserContext, Page, Request, Response, Route, expect
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncEngine

from app.products.schemas import ProductCreate

# Generous: the machine is shared, and each page parses a megabyte of script.
expect.set_options(timeout=20_000)


@pytest.fixture(scope="module")
async def proxy(
    engine: AsyncEngine, database_url: URL, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Proxy]:
    work: Path = tmp_path_factory.mktemp("api-docs")
    async with scratch_database(engine, database_url) as url:
        with (
            running_api(url, work, **SUPERUSER_SETTINGS) as api,
            stand_in_frontend(work / "frontend") as frontend,
            running_proxy(
                "dev", work / "nginx", backend_port=api.port, frontend_port=frontend.port
            ) as proxy,
        ):
            yield proxy


@dataclass
class Offline:
    """A browser context that reaches the site only: a request for any other host is aborted
    and kept in `outside`; the site's own answers are kept in `answers`."""

    context: BrowserContext
    site: str
    outside: list[str] = field(default_factory=list)
    answers: list[Response] = field(default_factory=list)

    async def block_the_internet(self) -> None:
        await self.context.route("**/*", self._only_the_site)
        self.context.on("response", self._answered)

    async def _only_the_site(self, route: Route, request: Request) -> None:
        if urlsplit(request.url).netloc == self.site:
            await route.continue_()
        else:
            self.outside.append(request.url)
            await route.abort("internetdisconnected")

    def _answered(self, response: Response) -> None:
        self.answers.append(response)

    def failed_answers(self) -> list[str]:
        return [f"{answer.status} {answer.url}" for answer in self.answers if answer.status >= 400]


@pytest.fixture
async def offline(proxy: Proxy, browser: Browser) -> AsyncIterator[tuple[Offline, Page]]:
    context = await browser.new_context(base_url=proxy.base_url, locale="en-US")
    offline = Offline(context, urlsplit(proxy.base_url).netloc)
    await offline.block_the_internet()
    page = await context.new_page()
    problems = BrowserProblems(proxy.base_url)
    problems.watch(page)
    yield offline, page
    await context.close()
    assert offline.outside == [], "the page asked another host"
    assert offline.failed_answers() == []
    # Console errors include any Content-Security-Policy violation nginx's header caused.
    assert problems.unexpected == []


async def authorize_as_the_superuser(page: Page) -> None:
    """Signs Swagger in through its Authorize dialog: the OAuth2 password flow."""
    await page.locator(".auth-wrapper .authorize").click()
    dialog = page.locator(".dialog-ux")
    await dialog.locator("#oauth_username").fill(SUPERUSER)
    await dialog.locator("#oauth_password").fill(SUPERUSER_PASSWORD)
    async with page.expect_response(lambda answer: answer.url.endswith(TOKEN_URL)) as signed_in:
        await dialog.get_by_role("button", name="Apply given OAuth2 credentials").click()
    token = await signed_in.value
    assert token.request.method == "POST"
    assert token.status == 200
    # Signed in: the dialog offers to log out.
    await expect(dialog.get_by_role("button", name="Remove authorization")).to_be_visible()
    await dialog.get_by_role("button", name="Close").click()


async def test_swagger_lists_signs_in_and_calls_me_without_the_internet(
    offline: tuple[Offline, Page],
) -> None:
    _, page = offline
    await page.goto("/api/docs")
    read_me = page.locator("#operations-users-read_me")
    await expect(read_me).to_be_visible()
    await expect(page.locator("#operations-auth-login")).to_be_visible()

    await authorize_as_the_superuser(page)
    await read_me.locator(".opblock-summary").click()
    await read_me.get_by_role("button", name="Try it out").click()
    await read_me.get_by_role("button", name="Execute").click()
    response = read_me.locator(".live-responses-table .response")
    await expect(response.locator(".response-col_status")).to_have_text("200")
    await expect(response.locator(".response-col_description")).to_contain_text(
        f'"username": "{SUPERUSER}"'
    )


async def test_swagger_tries_a_body_out_with_its_example_and_the_api_accepts_it(
    offline: tuple[Offline, Page],
) -> None:
    _, page = offline
    await page.goto("/api/docs")
    await authorize_as_the_superuser(page)
    create_product = page.locator("#operations-products-create_product")
    await create_product.locator(".opblock-summary").click()
    await create_product.get_by_role("button", name="Try it out").click()
    body = create_product.locator("textarea.body-param__text")
    assert json.loads(await body.input_value()) == ProductCreate.model_json_schema()["examples"][0]

    await create_product.get_by_role("button", name="Execute").click()
    status = create_product.locator(".live-responses-table .response .response-col_status")
    await expect(status).to_have_text("201")


async def test_redoc_shows_the_api_and_its_operations_without_the_internet(
    offline: tuple[Offline, Page],
) -> None:
    offline_context, page = offline
    await page.goto("/api/redoc")
    await expect(page.get_by_role("heading", name=re.compile(r"^order_system API"))).to_be_visible()
    for tag in ("auth", "users", "orders", "products"):
        await expect(page.get_by_role("menuitem", name=tag, exact=True)).to_be_visible()
    # An operation's heading is named by its anchor ("tag/auth/operation/login") and summary.
    for operation, summary in (
        ("auth/operation/login", "Login"),
        ("users/operation/read_me", "Read Me"),
    ):
        heading = page.get_by_role("heading", name=f"tag/{operation} {summary}", exact=True)
        await expect(heading).to_be_visible()
    # ReDoc's logo, which its bundle asks for beside the page instead of on Redocly's CDN.
    logo = page.locator('img[src$="/logo-mini.svg"]')
    await expect(logo).to_be_visible()
    assert any(
        answer.url.endswith("/api/redoc/logo-mini.svg") and answer.status == 200
        for answer in offline_context.answers
    )
