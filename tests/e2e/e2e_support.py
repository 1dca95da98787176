"""The end-to-end stack on loopback, as Compose runs it: the test PostgreSQL, the API under
uvicorn, the SPA's production build (`node server.js` from Next's standalone output) and the
project's nginx.conf in the real nginx; Chromium (Debian's) driven by Playwright.

Screenshots land in E2E_ARTIFACTS (default `test-artifacts/e2e/`), kept after the run.
"""

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from helpers import free_port
from nginx_support import REPO_ROOT, require_tool, serving
from playwright.async_api import ConsoleMessage, Error, Page, expect

FRONT_DIR = REPO_ROOT / "front"
# axe-core, Deque's accessibility engine, from the tests' own npm packages (tests/tools).
AXE_SCRIPT = REPO_ROOT / "tests" / "tools" / "node_modules" / "axe-core" / "axe.min.js"
LANGUAGES = ("en", "zh-CN")
STANDALONE_DIR = FRONT_DIR / ".next" / "standalone"
ARTIFACTS_DIR = Path(os.environ.get("E2E_ARTIFACTS", REPO_ROOT / "test-artifacts" / "e2e"))
CHROMIUM = "/usr/bin/chromium"

SUPERUSER = "superAdmin"
SUPERUSER_PASSWORD = "e2e-superadmin-password"
CUSTOMER_PASSWORD = "e2e-customer-password"
# The API's settings that create the superuser the browser tests sign in as.
SUPERUSER_SETTINGS = {
    "FIRST_SUPERUSER": SUPERUSER,
    "FIRST_SUPERUSER_PASSWORD": SUPERUSER_PASSWORD,
    "FIRST_SUPERUSER_EMAIL": "superadmin@example.com",
}


@contextmanager
def running_spa(work: Path) -> Iterator[int]:
    """The SPA's standalone server, as the image runs it; yields its port."""
    server = STANDALONE_DIR / "server.js"
    assert server.exists(), "the SPA is not built: run `make front-build`"
    assert (STANDALONE_DIR / ".next" / "static").is_dir(), "the standalone build lacks its assets"
    port = free_port()
    environment = dict(
        os.environ, PORT=str(port), HOSTNAME="127.0.0.1", NEXT_TELEMETRY_DISABLED="1"
    )
    with serving(
        [require_tool("node"), str(server)],
        cwd=STANDALONE_DIR,
        environment=environment,
        log_path=work / "spa.log",
        ready_url=f"http://127.0.0.1:{port}/login",
    ):
        yield port


@dataclass
class BrowserProblems:
    """What the browser reported that a working page never does: script errors, console
    errors (a Content-Security-Policy violation is one) and failed same-origin requests."""

    origin: str
    found: list[str] = field(default_factory=list)
    allowed: list[str] = field(default_factory=list)

    def allow(self, *fragments: str) -> None:
        """Reports containing one of `fragments` are expected, e.g. of a request the test
        breaks on purpose."""
        self.allowed.extend(fragments)

    @property
    def unexpected(self) -> list[str]:
        return [found for found in self.found if not any(part in found for part in self.allowed)]

    def watch(self, page: Page) -> None:
        page.on("console", self._console)
        page.on("pageerror", self._page_error)
        page.on("requestfailed", self._request_failed)

    def _console(self, message: ConsoleMessage) -> None:
        # A 4xx from the API is logged by Chromium as a console error; those are expected
        # answers (a wrong password, a stock error) that the tests check on the page.
        if message.type == "error" and "the server responded with a status of 4" not in (
            message.text
        ):
            self.found.append(f"console: {message.text}")

    def _page_error(self, error: Error) -> None:
        self.found.append(f"page error: {error}")

    def _request_failed(self, request: Any) -> None:
        if request.url.startswith(self.origin) and request.failure != "net::ERR_ABORTED":
            self.found.append(f"request failed: {request.method} {request.url} {request.failure}")


async def screenshot(page: Page, name: str) -> None:
    """A full-page screenshot of a main screen, kept as a test artifact (Playwright makes the
    directory)."""
    await page.screenshot(path=ARTIFACTS_DIR / f"{name}.png", full_page=True)


async def sign_in(page: Page, username: str, password: str) -> None:
    await page.get_by_label("Username").fill(username)
    await page.get_by_label("Password").fill(password)
    await page.get_by_role("button", name="Sign in").click()


async def add_to_cart_and_open_it(page: Page, product: dict[str, Any]) -> None:
    await page.goto("/products")
    await page.get_by_role("searchbox", name="Search products").fill(product["sku"])
    # The search applies once typing pauses; leaving before then, it would bring the page back.
    await expect(page).to_have_url(re.compile(r"[?&]search="))
    await page.get_by_role("button", name=f"Add to cart: {product['name']}").click()
    await page.get_by_role("link", name=re.compile(r"^Cart")).first.click()
    await expect(page.get_by_role("heading", name="Cart")).to_be_visible()


# What the e2e customers ship to, as the checkout form and the API take it.
E2E_ADDRESS = {
    "recipient": "Mei Chen",
    "phone": "+86 21 5555 0142",
    "line1": "200 Huaihai Middle Road",
    "city": "Shanghai",
    "country": "CN",
}


# The labels of the address fields the e2e customers fill in, in each interface language.
ADDRESS_LABELS = {
    "en": {
        "recipient": "Recipient",
        "phone": "Phone",
        "line1": "Address",
        "city": "City",
        "country": "Country",
    },
    "zh-CN": {
        "recipient": "收件人",
        "phone": "电话",
        "line1": "详细地址",
        "city": "城市",
        "country": "国家或地区",
    },
}


async def fill_shipping_address(
    page: Page, address: dict[str, str] = E2E_ADDRESS, language: str = "en"
) -> None:
    """The checkout's address fields, labelled in `language`, filled in with `address`."""
    labels = ADDRESS_LABELS[language]
    for name in ("recipient", "phone", "line1", "city"):
        await page.get_by_label(labels[name], exact=True).fill(address[name])
    await page.get_by_label(labels["country"], exact=True).select_option(address["country"])


async def use_language(page: Page, base_url: str, language: str) -> None:
    """The interface language from the next page on, chosen as the language switch does (its
    cookie)."""
    await page.context.add_cookies([{"name": "NEXT_LOCALE", "value": language, "url": base_url}])


async def axe_violations(page: Page) -> list[str]:
    """What axe-core finds broken on the page as it stands (all its default rules, WCAG 2.x A
    and AA and its best practices): one line per rule, with the elements that break it."""
    assert AXE_SCRIPT.exists(), f"{AXE_SCRIPT} is missing: run `make test` (it installs it)"
    # Evaluated through the DevTools protocol, so the page's Content-Security-Policy, which
    # refuses inline scripts, does not apply to it.
    await page.evaluate(AXE_SCRIPT.read_text(encoding="utf-8"))
    results = await page.evaluate("() => axe.run(document, { resultTypes: ['violations'] })")
    return [
        f"{violation['id']}: {[node['target'] for node in violation['nodes']]}"
        for violation in results["violations"]
    ]
