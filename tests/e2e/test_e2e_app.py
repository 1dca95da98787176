"""The SPA in Chromium, through the project's nginx, against the real API and PostgreSQL: the
order workflow as staff and customers run it, and the admin screens around it. Each main
screen is saved as a screenshot."""

import csv
import io
import re
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from e2e_support import (
    CUSTOMER_PASSWORD,
    E2E_ADDRESS,
    LANGUAGES,
    SUPERUSER,
    SUPERUSER_PASSWORD,
    SUPERUSER_SETTINGS,
    BrowserProblems,
    add_to_cart_and_open_it,
    axe_violations,
    fill_shipping_address,
    running_spa,
    screenshot,
    sign_in,
    use_language,
)
from helpers import async_retrying, free_port, scratch_database
from mail_support import SHOP_SENDER, Mailbox, SmtpServer
from nginx_support import running_api, running_proxy
from playwright.async_api import Browser, Locator, Page, Route, ViewportSize, expect
from sqlalchemy import delete, insert
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from app.core.pagination import TOTAL_CAP
from app.products.models import Product, ProductStatus

# Generous: the machine is shared, and the first visit of a page loads its chunks.
expect.set_options(timeout=20_000)

PHONE = ViewportSize(width=390, height=844)
DESKTOP = ViewportSize(width=1280, height=900)


@dataclass(frozen=True)
class Stack:
    base_url: str
    # The API's database, for what the API can't make quickly (ten thousand products).
    database_url: URL
    # What the API's mail sender delivered to the SMTP server.
    mailbox: Mailbox

    def api(self, token: str | None = None) -> httpx.AsyncClient:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.AsyncClient(base_url=self.base_url, headers=headers, timeout=30)

    async def token(self, username: str, password: str) -> str:
        async with self.api() as client:
            response = await client.post(
                "/api/auth/login", json={"username": username, "password": password}
            )
        assert response.status_code == 200, response.text
        token: str = response.json()["access_token"]
        return token

    async def admin_token(self) -> str:
        return await self.token(SUPERUSER, SUPERUSER_PASSWORD)

    async def add_product(self, *, stock: int, price: str = "12.50") -> dict[str, Any]:
        suffix = uuid.uuid4().hex[:8]
        async with self.api(await self.admin_token()) as client:
            response = await client.post(
                "/api/products",
                json={
                    "name": f"Teapot {suffix}",
                    "sku": f"TEA-{suffix}",
                    "price": price,
                    "stock_quantity": stock,
                },
            )
        assert response.status_code == 201, response.text
        product: dict[str, Any] = response.json()
        return product

    async def add_customer(self, *, role: str = "user", with_address: bool = True) -> str:
        """A new account with CUSTOMER_PASSWORD, E2E_ADDRESS its default shipping address
        unless `with_address` is false: a customer unless `role` says otherwise."""
        username = f"{role}_{uuid.uuid4().hex[:8]}"
        async with self.api(await self.admin_token()) as client:
            response = await client.post(
                "/api/users",
                json={
                    "username": username,
                    "email": f"{username}@example.com",
                    "password": CUSTOMER_PASSWORD,
                    "role": role,
                },
            )
        assert response.status_code == 201, response.text
        if with_address:
            await self.update_me(username, default_shipping_address=E2E_ADDRESS)
        return username

    async def update_me(self, username: str, **changes: Any) -> None:
        """The customer's own account changed as `PATCH /api/users/me` does."""
        async with self.api(await self.token(username, CUSTOMER_PASSWORD)) as client:
            response = await client.patch("/api/users/me", json=changes)
        assert response.status_code == 200, response.text

    async def set_active(self, username: str, *, active: bool) -> None:
        async with self.api(await self.admin_token()) as client:
            found = (await client.get("/api/users", params={"search": username})).json()
            [user] = [item for item in found["items"] if item["username"] == username]
            response = await client.patch(f"/api/users/{user['id']}", json={"is_active": active})
        assert response.status_code == 200, response.text

    async def me(self, username: str, password: str = CUSTOMER_PASSWORD) -> dict[str, Any]:
        async with self.api(await self.token(username, password)) as client:
            response = await client.get("/api/users/me")
        assert response.status_code == 200, response.text
        me: dict[str, Any] = response.json()
        return me

    async def orders_of(self, username: str) -> list[dict[str, Any]]:
        async with self.api(await self.token(username, CUSTOMER_PASSWORD)) as client:
            response = await client.get("/api/orders")
        assert response.status_code == 200, response.text
        orders: list[dict[str, Any]] = response.json()["items"]
        return orders

    async def place_order(self, username: str, product_id: int, quantity: int) -> dict[str, Any]:
        async with self.api(await self.token(username, CUSTOMER_PASSWORD)) as client:
            response = await client.post(
                "/api/orders",
                json={"items": [{"product_id": product_id, "quantity": quantity}]},
            )
        assert response.status_code == 201, response.text
        order: dict[str, Any] = response.json()
        return order

    async def customer_with_order(self, quantity: int) -> tuple[str, dict[str, Any]]:
        """A new customer and the pending order they placed for `quantity` of a new product."""
        product = await self.add_product(stock=10)
        username = await self.add_customer()
        return username, await self.place_order(username, product["id"], quantity)


@pytest.fixture(scope="module")
async def stack(
    engine: AsyncEngine, database_url: URL, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Stack]:
    work: Path = tmp_path_factory.mktemp("e2e")
    smtp = SmtpServer(free_port())
    # The links in mails lead to the site, so the API learns its address before nginx serves it.
    site_port = free_port()
    smtp.start()
    try:
        async with scratch_database(engine, database_url) as url:
            with (
                running_api(
                    url,
                    work,
                    **SUPERUSER_SETTINGS,
                    LOG_LEVEL="INFO",
                    SMTP_HOST="127.0.0.1",
                    SMTP_PORT=str(smtp.port),
                    SMTP_FROM=SHOP_SENDER,
                    SMTP_SECURITY="none",
                    EMAIL_POLL_INTERVAL_SECONDS="0.2",
                    PUBLIC_URL=f"http://127.0.0.1:{site_port}",
                ) as api,
                running_spa(work) as spa_port,
                running_proxy(
                    "dev",
                    work / "nginx",
                    backend_port=api.port,
                    frontend_port=spa_port,
                    http_port=site_port,
                ) as proxy,
            ):
                yield Stack(proxy.base_url, url, smtp.mailbox)
    finally:
        smtp.stop()


class Screens:
    """Browser pages on the stack, each watched for script, console and request failures."""

    def __init__(self, stack: Stack, browser: Browser) -> None:
        self.stack = stack
        self.browser = browser
        self.problems = BrowserProblems(stack.base_url)

    async def new_page(self, *, phone: bool = False) -> Page:
        viewport = PHONE if phone else DESKTOP
        context = await self.browser.new_context(
            base_url=self.stack.base_url, viewport=viewport, locale="en-US"
        )
        page = await context.new_page()
        self.problems.watch(page)
        return page

    async def signed_in(self, username: str, password: str, *, phone: bool = False) -> Page:
        page = await self.new_page(phone=phone)
        await page.goto("/login")
        await sign_in(page, username, password)
        await expect(page).not_to_have_url(re.compile(r"/login"))
        return page

    async def customer_with_cart(self, product: dict[str, Any]) -> tuple[str, Page]:
        """A new customer, signed in, with `product` in the cart, looking at the cart."""
        username = await self.stack.add_customer()
        page = await self.signed_in(username, CUSTOMER_PASSWORD)
        await add_to_cart_and_open_it(page, product)
        return username, page


@pytest.fixture
async def screens(stack: Stack, browser: Browser) -> AsyncIterator[Screens]:
    screens = Screens(stack, browser)
    yield screens
    for context in browser.contexts:
        await context.close()
    assert not screens.problems.unexpected, screens.problems.unexpected


def order_id_from(page: Page) -> int:
    match = re.search(r"/orders/(\d+)$", page.url)
    assert match, page.url
    return int(match.group(1))


async def test_superadmin_returns_after_sign_in_and_creates_a_product(
    screens: Screens, stack: Stack
) -> None:
    page = await screens.new_page()
    await page.goto("/products")
    await expect(page).to_have_url(re.compile(r"/login\?next=%2Fproducts"))
    await screenshot(page, "sign-in")
    await sign_in(page, SUPERUSER, SUPERUSER_PASSWORD)
    await expect(page).to_have_url(re.compile(r"/products$"))

    await page.get_by_role("button", name="New product").click()
    dialog = page.get_by_role("dialog")
    await dialog.get_by_label("Name").fill("Jasmine tea")
    await dialog.get_by_label("SKU", exact=True).fill("JAS-001")
    await dialog.get_by_label("Price").fill("8.90")
    await dialog.get_by_label("Initial stock").fill("40")
    await dialog.get_by_role("button", name="Create product").click()

    row = page.get_by_role("row", name=re.compile("Jasmine tea"))
    await expect(row).to_contain_text("JAS-001")
    await expect(row).to_contain_text("40")
    await screenshot(page, "products-admin")
    async with stack.api(await stack.admin_token()) as client:
        found = (await client.get("/api/products", params={"search": "JAS-001"})).json()
    assert [(item["name"], item["price"], item["stock_quantity"]) for item in found["items"]] == [
        ("Jasmine tea", "8.90", 40)
    ]


async def test_a_new_customer_registers_orders_and_sees_the_order_pending(
    screens: Screens, stack: Stack
) -> None:
    product = await stack.add_product(stock=10)
    username = f"newcomer_{uuid.uuid4().hex[:8]}"
    page = await screens.new_page()
    await page.goto("/register")
    await page.get_by_label("Username").fill(username)
    await page.get_by_label("Email").fill(f"{username}@example.com")
    await page.get_by_label("Password").fill(CUSTOMER_PASSWORD)
    await screenshot(page, "register")
    await page.get_by_role("button", name="Create account").click()
    await expect(page).not_to_have_url(re.compile(r"/register"))

    await add_to_cart_and_open_it(page, product)
    await page.get_by_label(f"Quantity of {product['name']}").fill("3")
    await expect(page.get_by_text("37.50").first).to_be_visible()
    # A new account has no default address: the checkout asks for one, and keeps it.
    await fill_shipping_address(page)
    await page.get_by_label("Save as my default address").check()
    await screenshot(page, "cart")
    await page.get_by_role("button", name="Place order").click()

    await expect(page).to_have_url(re.compile(r"/orders/\d+$"))
    await expect(page.get_by_text("Pending").first).to_be_visible()
    await expect(page.get_by_text(E2E_ADDRESS["line1"])).to_be_visible()
    await screenshot(page, "order-detail")
    orders = await stack.orders_of(username)
    assert [(order["id"], order["status"], order["total_amount"]) for order in orders] == [
        (order_id_from(page), "pending", "37.50")
    ]
    assert orders[0]["shipping_address"] == E2E_ADDRESS | {
        "line2": None,
        "region": None,
        "postal_code": None,
    }
    await page.goto("/profile")
    await expect(page.get_by_label("Recipient", exact=True)).to_have_value(E2E_ADDRESS["recipient"])


async def test_a_checkout_submitted_twice_or_retried_makes_one_order(
    screens: Screens, stack: Stack
) -> None:
    product = await stack.add_product(stock=10)
    username, page = await screens.customer_with_cart(product)

    # The first answer is lost on the way back, as on a flaky network: the order exists, the
    # browser sees a failure and the customer presses the button again.
    lost: list[str] = []

    async def lose_first_answer(route: Route) -> None:
        if route.request.method == "POST" and not lost:
            response = await route.fetch()
            lost.append(str(response.status))
            await route.abort("connectionreset")
        else:
            await route.continue_()

    await page.route("**/api/orders", lose_first_answer)
    screens.problems.allow("/api/orders net::ERR_CONNECTION_RESET", "net::ERR_CONNECTION_RESET")
    checkout = page.get_by_role("button", name="Place order")
    await checkout.dblclick()
    await expect(checkout).to_be_enabled()
    await checkout.click()

    await expect(page).to_have_url(re.compile(r"/orders/\d+$"))
    assert lost == ["201"]
    orders = await stack.orders_of(username)
    assert [order["id"] for order in orders] == [order_id_from(page)]


async def test_staff_move_an_order_through_the_workflow_and_the_customer_sees_each_status(
    screens: Screens, stack: Stack
) -> None:
    username, order = await stack.customer_with_order(2)
    customer = await screens.signed_in(username, CUSTOMER_PASSWORD, phone=True)
    admin = await screens.signed_in(SUPERUSER, SUPERUSER_PASSWORD)

    await admin.goto(f"/orders/{order['id']}")
    for status in ("Paid", "Shipped", "Completed"):
        await admin.get_by_role("button", name=f"Mark as {status.lower()}").click()
        if status == "Shipped":
            await admin.get_by_label("Carrier (optional)").fill("SF Express")
            await admin.get_by_label("Tracking number (optional)").fill("SF1234567890")
        await admin.get_by_role("button", name=f"Yes, mark as {status}").click()
        await expect(admin.get_by_test_id("order-status")).to_have_text(status)
        await customer.goto(f"/orders/{order['id']}")
        await expect(customer.get_by_test_id("order-status")).to_have_text(status)
    await expect(customer.get_by_test_id("tracking-number")).to_have_text("SF1234567890")
    await expect(customer.get_by_text("SF Express").first).to_be_visible()
    await expect(admin.get_by_role("button", name="Cancel order")).to_have_count(0)
    # Times on the shop's clock, labelled with its zone (BUSINESS_TIMEZONE's default).
    await expect(
        customer.get_by_text(re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2} \(Asia/Shanghai\)$")).first
    ).to_be_visible()
    await screenshot(admin, "order-admin")
    await screenshot(customer, "order-phone")

    await admin.goto("/dashboard")
    by_status = admin.get_by_role("table", name="Orders by status")
    await expect(by_status.get_by_role("row", name="Completed 1")).to_be_visible()
    await screenshot(admin, "dashboard-admin")


async def test_a_customer_is_offered_cancelling_their_pending_order_and_nothing_after(
    screens: Screens, stack: Stack
) -> None:
    username, order = await stack.customer_with_order(1)
    page = await screens.signed_in(username, CUSTOMER_PASSWORD)

    await page.goto(f"/orders/{order['id']}")
    await expect(page.get_by_role("button", name="Mark as paid")).to_have_count(0)
    await page.get_by_role("button", name="Cancel order").click()
    await page.get_by_role("button", name="Yes, cancel the order").click()

    await expect(page.get_by_test_id("order-status")).to_have_text("Cancelled")
    await expect(
        page.get_by_text("No further changes are possible for this order.")
    ).to_be_visible()


async def test_an_admin_is_offered_only_what_the_api_allows_on_each_account(
    screens: Screens, stack: Stack
) -> None:
    admin = await stack.add_customer(role="admin")
    other_admin = await stack.add_customer(role="admin")
    customer = await stack.add_customer()
    page = await screens.signed_in(admin, CUSTOMER_PASSWORD)
    await page.goto("/users")
    search = page.get_by_role("searchbox", name="Search users")

    await search.fill(other_admin)
    row = page.get_by_role("row", name=re.compile(other_admin))
    await expect(row).to_contain_text("Only a super admin can change an admin.")
    await expect(row.get_by_role("button")).to_have_count(0)
    await search.fill(admin)
    row = page.get_by_role("row", name=re.compile(admin))
    await expect(row).to_contain_text("Change your own details on your profile.")
    await expect(row.get_by_role("button")).to_have_count(0)

    await search.fill(customer)
    await expect(page.get_by_role("button", name=f"Delete {customer}")).to_be_visible()
    await page.get_by_role("button", name=f"Edit {customer}").click()
    dialog = page.get_by_role("dialog", name=f"Edit {customer}")
    await expect(dialog.get_by_label("Role").locator("option")).to_have_text(["Customer"])
    await dialog.get_by_role("button", name="Cancel").click()
    await page.get_by_role("button", name="New user").click()
    dialog = page.get_by_role("dialog", name="New user")
    await expect(dialog.get_by_label("Role").locator("option")).to_have_text(["Customer"])


async def test_a_session_that_ends_returns_to_sign_in_and_back_afterwards(
    screens: Screens, stack: Stack
) -> None:
    username = await stack.add_customer()
    page = await screens.signed_in(username, CUSTOMER_PASSWORD)
    await page.goto("/orders")
    await expect(page.get_by_role("heading", name="My orders")).to_be_visible()

    # Deactivating the account makes the API refuse both the access token and its refresh.
    await stack.set_active(username, active=False)
    await page.reload()
    await expect(page).to_have_url(re.compile(r"/login\?next=%2Forders"))
    await stack.set_active(username, active=True)
    await sign_in(page, username, CUSTOMER_PASSWORD)
    await expect(page).to_have_url(re.compile(r"/orders$"))
    await expect(page.get_by_role("heading", name="My orders")).to_be_visible()


async def test_a_customer_cannot_reach_admin_screens(screens: Screens, stack: Stack) -> None:
    username = await stack.add_customer()
    page = await screens.signed_in(username, CUSTOMER_PASSWORD)
    navigation = page.get_by_role("navigation", name="Main")
    await expect(navigation.get_by_role("link", name="Orders")).to_be_visible()
    await expect(navigation.get_by_role("link", name="Users")).to_have_count(0)

    await page.goto("/users")
    await expect(page.get_by_role("heading", name="Not allowed")).to_be_visible()
    await expect(page.get_by_role("table")).to_have_count(0)
    await page.goto("/products")
    await expect(page.get_by_role("button", name="New product")).to_have_count(0)


async def test_an_order_over_the_stock_shows_the_stock_error_on_its_line(
    screens: Screens, stack: Stack
) -> None:
    product = await stack.add_product(stock=2)
    username, page = await screens.customer_with_cart(product)
    await page.get_by_label(f"Quantity of {product['name']}").fill("5")
    await page.get_by_role("button", name="Place order").click()

    line = page.get_by_role("row", name=re.compile(product["name"]))
    await expect(line).to_contain_text("Only 2 available (you asked for 5).")
    await screenshot(page, "cart-stock-error")
    assert await stack.orders_of(username) == []


async def test_the_interface_switches_to_simplified_chinese(screens: Screens, stack: Stack) -> None:
    product = await stack.add_product(stock=5, price="12.50")
    username = await stack.add_customer()
    page = await screens.signed_in(username, CUSTOMER_PASSWORD)
    await page.get_by_label("Language").select_option("zh-CN")
    navigation = page.get_by_role("navigation", name=re.compile("."))
    await expect(navigation.get_by_role("link", name="订单")).to_be_visible()
    await page.reload()
    await expect(page.get_by_role("navigation").get_by_role("link", name="订单")).to_be_visible()
    # Prices in the shop's currency (CURRENCY's default) as Chinese writes yuan: ¥, not CN¥.
    await page.goto(f"/products?search={product['sku']}")
    await expect(page.get_by_role("row", name=re.compile(product["name"]))).to_contain_text(
        re.compile(r"(?<!CN)¥12\.50")
    )
    await screenshot(page, "products-zh-CN")


async def test_the_products_list_keeps_its_search_filter_and_sort_in_the_address(
    screens: Screens, stack: Stack
) -> None:
    await stack.add_product(stock=5, price="30.00")
    await stack.add_product(stock=5, price="20.00")
    page = await screens.signed_in(SUPERUSER, SUPERUSER_PASSWORD)
    await page.goto("/products")
    search = page.get_by_role("searchbox", name="Search products")
    await search.fill("Teapot")
    await expect(page).to_have_url(re.compile(r"search=Teapot"))
    await page.get_by_label("Sort by").select_option("-price")
    await page.get_by_label("Status").select_option("active")
    await expect(page).to_have_url(
        re.compile(r"/products\?search=Teapot&status=active&sort=-price$")
    )
    await page.reload()
    await expect(search).to_have_value("Teapot")
    await expect(page.get_by_label("Sort by")).to_have_value("-price")
    await expect(page.get_by_label("Status")).to_have_value("active")
    await expect(page.get_by_role("row", name=re.compile("Teapot")).first).to_contain_text(
        "CN¥30.00"
    )

    await page.goto("/products")
    await expect(search).to_have_value("")
    await page.go_back()
    await expect(search).to_have_value("Teapot")


async def test_a_search_matching_more_than_the_count_cap_shows_it_as_a_lower_bound(
    screens: Screens, stack: Stack
) -> None:
    engine = create_async_engine(stack.database_url)
    # Inactive, with plenty of stock: no other screen of the module shows them.
    many = [
        {
            "name": f"Capoak {n}",
            "sku": f"CAPOAK-{n}",
            "price": Decimal("1.00"),
            "stock_quantity": 1000,
            "status": ProductStatus.INACTIVE,
        }
        for n in range(TOTAL_CAP + 1)
    ]
    try:
        async with engine.begin() as connection:
            await connection.execute(insert(Product), many)
        page = await screens.signed_in(SUPERUSER, SUPERUSER_PASSWORD)
        await page.goto("/products?search=Capoak")
        pager = page.get_by_role("navigation", name="Pages")
        await expect(pager).to_contain_text("1–20 of 10,000+")
        await use_language(page, stack.base_url, "zh-CN")
        await page.reload()
        await expect(page.get_by_role("navigation", name="分页")).to_contain_text(
            "第 1–20 条，共 10,000+ 条"
        )
    finally:
        async with engine.begin() as connection:
            await connection.execute(delete(Product).where(Product.sku.startswith("CAPOAK-")))
        await engine.dispose()


async def test_admins_see_users_as_cards_on_a_phone_and_delete_or_deactivate_accounts(
    screens: Screens, stack: Stack
) -> None:
    lonely = await stack.add_customer()
    buyer = await stack.add_customer()
    product = await stack.add_product(stock=5)
    await stack.place_order(buyer, product["id"], 1)
    phone = await screens.signed_in(SUPERUSER, SUPERUSER_PASSWORD, phone=True)
    await phone.goto("/users")
    cards = phone.get_by_role("list", name="Users")
    await expect(cards.get_by_role("listitem").filter(has_text=lonely)).to_be_visible()
    await expect(phone.get_by_role("table")).to_have_count(0)
    await screenshot(phone, "users-phone")

    page = await screens.signed_in(SUPERUSER, SUPERUSER_PASSWORD)
    await page.goto("/users")
    search = page.get_by_role("searchbox", name="Search users")
    await search.fill(lonely)
    await page.get_by_role("button", name=f"Delete {lonely}").click()
    dialog = page.get_by_role("dialog", name=f"Delete {lonely}?")
    await dialog.get_by_role("button", name="Yes, delete the account").click()
    await expect(
        page.get_by_role("status").filter(has_text=f"User {lonely} was deleted.")
    ).to_be_visible()
    await expect(page.get_by_role("button", name=f"Delete {lonely}")).to_have_count(0)

    # An account with orders can't be deleted; the screen offers to deactivate it instead.
    await search.fill(buyer)
    await page.get_by_role("button", name=f"Delete {buyer}").click()
    dialog = page.get_by_role("dialog", name=f"Delete {buyer}?")
    await dialog.get_by_role("button", name="Yes, delete the account").click()
    await expect(dialog.get_by_role("alert")).to_have_text(
        "This user has orders; deactivate the account instead."
    )
    await screenshot(page, "users-delete-refused")
    await dialog.get_by_role("button", name=f"Deactivate {buyer}").click()
    await expect(
        page.get_by_role("status").filter(has_text=f"User {buyer} was deactivated.")
    ).to_be_visible()
    await expect(page.get_by_role("row", name=re.compile(buyer))).to_contain_text("Inactive")
    async with stack.api(await stack.admin_token()) as client:
        found = (await client.get("/api/users", params={"search": lonely})).json()["items"]
        assert [user for user in found if user["username"] == lonely] == []


async def test_a_customer_on_a_phone_sees_products_as_cards_with_price_stock_and_add_to_cart(
    screens: Screens, stack: Stack
) -> None:
    product = await stack.add_product(stock=3, price="12.50")
    username = await stack.add_customer()
    page = await screens.signed_in(username, CUSTOMER_PASSWORD, phone=True)
    await page.goto(f"/products?search={product['sku']}")

    card = page.get_by_role("list", name="Products").get_by_role("listitem")
    await expect(card).to_contain_text(product["name"])
    await expect(card).to_contain_text("12.50")
    await expect(card).to_contain_text("3 in stock")
    await expect(page.get_by_role("table")).to_have_count(0)
    add = card.get_by_role("button", name=f"Add to cart: {product['name']}")
    # Within the phone's width: reachable without scrolling sideways.
    box = await add.bounding_box()
    assert box is not None
    assert box["x"] >= 0, box
    assert box["x"] + box["width"] <= PHONE["width"], box
    await add.click()
    await expect(card).to_contain_text("1 in cart")
    await screenshot(page, "products-phone")


async def test_the_users_list_keeps_its_search_and_role_in_the_address(
    screens: Screens, stack: Stack
) -> None:
    admin = await stack.add_customer(role="admin")
    page = await screens.signed_in(SUPERUSER, SUPERUSER_PASSWORD)
    await page.goto("/users")
    search = page.get_by_role("searchbox", name="Search users")
    role = page.get_by_role("search").get_by_label("Role")
    await search.fill(admin)
    await expect(page).to_have_url(re.compile(rf"/users\?search={admin}$"))
    await role.select_option("admin")
    await expect(page).to_have_url(re.compile(rf"/users\?search={admin}&role=admin$"))

    await page.reload()
    await expect(search).to_have_value(admin)
    await expect(role).to_have_value("admin")
    await expect(page.get_by_role("row", name=re.compile(admin))).to_be_visible()
    await page.goto("/users")
    await expect(search).to_have_value("")
    await page.go_back()
    await expect(search).to_have_value(admin)
    await expect(role).to_have_value("admin")


CRASH_SCREEN = {
    "en": ("This screen could not be shown", "Try again"),
    "zh-CN": ("无法显示此页面", "重试"),
}


@pytest.mark.parametrize("language", LANGUAGES)
async def test_a_screen_that_fails_to_render_says_so_in_the_language_and_recovers_on_retry(
    screens: Screens, stack: Stack, language: str
) -> None:
    username, order = await stack.customer_with_order(1)
    page = await screens.signed_in(username, CUSTOMER_PASSWORD)
    await use_language(page, stack.base_url, language)

    # An API of another version (a deployment half done) answers orders without their lines:
    # the list throws while rendering them.
    async def answer_as_another_api_version(route: Route) -> None:
        response = await route.fetch()
        body = await response.json()
        for listed in body["items"]:
            del listed["items"]
        await route.fulfill(response=response, json=body)

    orders_list = re.compile(r"/api/orders\?")
    await page.route(orders_list, answer_as_another_api_version)
    # React reports the error its boundary caught on the console.
    screens.problems.allow("Cannot read properties of undefined")
    await page.goto("/orders")
    title, retry = CRASH_SCREEN[language]
    await expect(page.get_by_role("heading", name=title)).to_be_visible()
    await expect(page.get_by_role("navigation").first).to_be_visible()
    await screenshot(page, f"crash-{language}")

    await page.unroute(orders_list)
    await page.get_by_role("button", name=retry).click()
    await expect(page.get_by_role("link", name=order["order_number"]).first).to_be_visible()
    await expect(page.get_by_role("heading", name=title)).to_have_count(0)


@pytest.mark.parametrize("language", LANGUAGES)
async def test_axe_finds_nothing_broken_on_any_main_screen(
    screens: Screens, stack: Stack, language: str
) -> None:
    username, order = await stack.customer_with_order(1)
    product = await stack.add_product(stock=5)
    found: dict[str, list[str]] = {}

    async def check(page: Page, screen: str) -> None:
        # A screen is checked as it settles: its heading shown, nothing loading any more.
        await expect(page.get_by_role("heading", level=1).first).to_be_visible()
        await expect(page.locator("[aria-busy=true], main .animate-spin")).to_have_count(0)
        violations = await axe_violations(page)
        if violations:
            found[screen] = violations

    visitor = await screens.new_page()
    await use_language(visitor, stack.base_url, language)
    for path in ("/login", "/forgot-password", "/reset-password?token=from-the-mail"):
        await visitor.goto(path)
        await check(visitor, f"visitor {path}")

    customer = await screens.signed_in(username, CUSTOMER_PASSWORD)
    await add_to_cart_and_open_it(customer, product)
    phone = await screens.signed_in(username, CUSTOMER_PASSWORD, phone=True)
    admin = await screens.signed_in(SUPERUSER, SUPERUSER_PASSWORD)
    order_page = f"/orders/{order['id']}"
    visits = {
        "customer": (
            customer,
            ["/products", "/cart", "/orders", order_page, "/dashboard", "/profile"],
        ),
        "customer on a phone": (phone, ["/products", "/orders", order_page]),
        "admin": (
            admin,
            ["/products", "/orders", order_page, "/users", "/dashboard", "/profile"],
        ),
    }
    for viewer, (page, paths) in visits.items():
        await use_language(page, stack.base_url, language)
        for path in paths:
            await page.goto(path)
            await check(page, f"{viewer} {path}")
    assert found == {}


async def test_staff_find_an_order_by_its_last_digits_and_the_search_stays_in_the_address(
    screens: Screens, stack: Stack
) -> None:
    _, order = await stack.customer_with_order(1)
    last_digits = order["order_number"][-6:]
    page = await screens.signed_in(SUPERUSER, SUPERUSER_PASSWORD)
    await page.goto("/orders")

    search = page.get_by_role("searchbox", name="Order number")
    await search.fill(last_digits)
    await search.press("Enter")

    await expect(page).to_have_url(re.compile(rf"/orders\?search={last_digits}$"))
    rows = page.get_by_role("row", name=re.compile(r"ORD-"))
    await expect(rows).to_have_count(1)
    await expect(rows).to_contain_text(order["order_number"])
    await page.reload()
    await expect(search).to_have_value(last_digits)
    await expect(rows).to_have_count(1)


async def test_staff_move_selected_orders_to_one_status_and_see_each_result(
    screens: Screens, stack: Stack
) -> None:
    product = await stack.add_product(stock=10)
    username = await stack.add_customer()
    orders = [await stack.place_order(username, product["id"], 1) for _ in range(3)]
    async with stack.api(await stack.admin_token()) as client:
        cancelled = await client.post(f"/api/orders/{orders[0]['id']}/cancel")
    assert cancelled.status_code == 200, cancelled.text
    page = await screens.signed_in(SUPERUSER, SUPERUSER_PASSWORD)
    await page.goto(f"/orders?search={username}")
    await expect(page.get_by_role("row", name=re.compile(r"ORD-"))).to_have_count(3)

    for order in orders:
        await page.get_by_role("checkbox", name=f"Select order {order['order_number']}").check()
    await expect(page.get_by_text("3 orders selected")).to_be_visible()
    await page.get_by_label("New status").select_option("paid")
    await page.get_by_role("button", name="Apply to selected").click()
    dialog = page.get_by_role("dialog")
    await expect(dialog).to_contain_text(orders[1]["order_number"])
    await dialog.get_by_role("button", name="Yes, mark 3 orders as Paid").click()

    results = dialog.get_by_role("list", name="Result per order")
    await expect(dialog.get_by_role("heading", name="2 of 3 orders changed")).to_be_visible()
    await expect(results.get_by_role("listitem")).to_have_count(3)
    await expect(results.get_by_role("listitem").filter(has_text="now Paid")).to_have_count(2)
    await expect(
        results.get_by_role("listitem").filter(has_text=orders[0]["order_number"])
    ).to_contain_text("no longer possible")
    await screenshot(page, "orders-bulk-status")
    await dialog.get_by_role("button", name="Close").first.click()
    statuses = {order["id"]: order["status"] for order in await stack.orders_of(username)}
    assert statuses == {
        orders[0]["id"]: "cancelled",
        orders[1]["id"]: "paid",
        orders[2]["id"]: "paid",
    }


# The dashboard's trends, as each language names them.
TRENDS = {
    "en": {
        "chart": "Chart of orders and revenue per day",
        "table": "Orders and revenue per day",
        "period": "Period",
        "last_7_days": "Last 7 days",
        "from": "From",
        "to": "To",
        "reversed": "The start date is after the end date.",
        "too_long": "Choose at most 366 days.",
        "show_table": "Show as a table",
        "by_revenue": "By revenue",
    },
    "zh-CN": {
        "chart": "每日订单数与营业额图表",
        "table": "每日订单数与营业额",
        "period": "时间段",
        "last_7_days": "最近 7 天",
        "from": "开始日期",
        "to": "结束日期",
        "reversed": "开始日期晚于结束日期。",
        "too_long": "最多只能选择 366 天。",
        "show_table": "以表格显示",
        "by_revenue": "按营业额",
    },
}

# Each row of the trend table as (business date, orders, revenue) with the amount's digits only,
# so that it compares with the API's decimal string in either language.
TREND_ROWS_SCRIPT = """table => [...table.tBodies[0].rows].map(row => [
    row.querySelector('time').getAttribute('datetime'),
    row.cells[1].textContent.replace(/[^0-9]/g, ''),
    row.cells[2].textContent.replace(/[^0-9.]/g, ''),
])"""


async def trend_rows_of_api(stack: Stack, **period: str) -> list[list[str]]:
    async with stack.api(await stack.admin_token()) as client:
        response = await client.get("/api/stats/daily", params=period)
    assert response.status_code == 200, response.text
    return [[day["date"], str(day["orders"]), day["revenue"]] for day in response.json()["days"]]


@pytest.mark.parametrize("language", LANGUAGES)
async def test_the_dashboard_charts_30_business_days_with_their_numbers_and_a_period_picker(
    screens: Screens, stack: Stack, language: str
) -> None:
    names = TRENDS[language]
    product = await stack.add_product(stock=10, price="99.00")
    username = await stack.add_customer()
    order = await stack.place_order(username, product["id"], 5)
    async with stack.api(await stack.admin_token()) as client:
        paid = await client.patch(f"/api/orders/{order['id']}/status", json={"status": "paid"})
    assert paid.status_code == 200, paid.text
    last_30_days = await trend_rows_of_api(stack)
    today = last_30_days[-1][0]
    assert len(last_30_days) == 30
    assert int(last_30_days[-1][1]) >= 1

    page = await screens.signed_in(SUPERUSER, SUPERUSER_PASSWORD)
    await use_language(page, stack.base_url, language)
    await page.goto("/dashboard")
    chart = page.get_by_role("img", name=re.compile(names["chart"]))
    await expect(chart.locator(".recharts-wrapper > svg.recharts-surface")).to_be_visible()
    # Today's paid order is drawn: a bar stands above the axis.
    await expect(chart.locator(".recharts-bar-rectangle path").first).to_be_attached()
    table = page.get_by_role("table", name=re.compile(names["table"]))
    await expect(table.locator("tbody tr")).to_have_count(30)
    assert await table.evaluate(TREND_ROWS_SCRIPT) == last_30_days
    best = page.get_by_role("table", name=names["by_revenue"])
    await expect(best.get_by_role("row", name=re.compile(product["name"]))).to_contain_text(
        re.compile(r"¥495\.00")
    )
    await page.get_by_role("button", name=names["show_table"]).click()
    await expect(table).to_be_visible()
    await screenshot(page, f"dashboard-trends-{language}")

    await page.get_by_label(names["period"], exact=True).select_option(label=names["last_7_days"])
    await expect(page).to_have_url(re.compile(rf"/dashboard\?from=\d{{4}}-\d\d-\d\d&to={today}$"))
    await expect(table.locator("tbody tr")).to_have_count(7)
    assert await table.evaluate(TREND_ROWS_SCRIPT) == last_30_days[-7:]

    first_day = last_30_days[-3][0]
    await page.get_by_label(names["from"], exact=True).fill(first_day)
    await expect(page).to_have_url(re.compile(rf"/dashboard\?from={first_day}&to={today}$"))
    await expect(table.locator("tbody tr")).to_have_count(3)
    assert await table.evaluate(TREND_ROWS_SCRIPT) == await trend_rows_of_api(
        stack, **{"from": first_day, "to": today}
    )
    await page.reload()
    await expect(table.locator("tbody tr")).to_have_count(3)

    # A period that ends before it starts is refused beside the field; nothing is asked.
    await page.get_by_label(names["to"], exact=True).fill(last_30_days[0][0])
    await expect(page.get_by_text(names["reversed"])).to_be_visible()
    await expect(page.get_by_label(names["to"], exact=True)).to_have_attribute(
        "aria-invalid", "true"
    )
    await expect(table).to_have_count(0)
    # So is one longer than the API serves, even when written into the address by hand.
    await page.goto("/dashboard?from=2024-01-01&to=2025-01-01")
    await expect(page.get_by_text(names["too_long"])).to_be_visible()
    await expect(page.get_by_label(names["from"], exact=True)).to_have_value("2024-01-01")
    await expect(table).to_have_count(0)


async def test_the_dashboard_fits_a_phone_without_scrolling_sideways(
    screens: Screens, stack: Stack
) -> None:
    phone = await screens.signed_in(SUPERUSER, SUPERUSER_PASSWORD, phone=True)
    await phone.goto("/dashboard")
    await expect(phone.locator(".recharts-wrapper > svg.recharts-surface")).to_be_visible()
    await expect(phone.locator("[aria-busy=true], main .animate-spin")).to_have_count(0)
    width = await phone.evaluate("() => document.scrollingElement.scrollWidth")
    assert width <= PHONE["width"], width
    await screenshot(phone, "dashboard-phone")


# The labels of the products spreadsheet screens, per language.
SPREADSHEET_TEXTS: dict[str, dict[str, Any]] = {
    "en": {
        "export": "Export CSV",
        "import": "Import…",
        "file": "File",
        "check": "Check file",
        "create": "Create",
        "update": "Update",
        "confirm": "Import 2 products",
        "done": re.compile(r"Imported: 1 created, 1 updated\."),
        "header": ["sku", "name", "description", "price", "stock_quantity", "status"],
    },
    "zh-CN": {
        "export": "导出 CSV",
        "import": "导入…",
        "file": "文件",
        "check": "检查文件",
        "create": "新建",
        "update": "更新",
        "confirm": "导入 2 个商品",
        # Chinese punctuation as `.`: full-width commas and colons read like ASCII ones in code.
        "done": re.compile("导入完成.新建 1 个.更新 1 个"),
        "header": ["SKU", "名称", "描述", "价格", "库存", "状态"],
    },
}


@pytest.mark.parametrize("language", LANGUAGES)
async def test_an_admin_exports_products_as_csv_and_imports_a_file_after_a_dry_run(
    screens: Screens, stack: Stack, language: str, tmp_path: Path
) -> None:
    texts = SPREADSHEET_TEXTS[language]
    product = await stack.add_product(stock=5, price="12.50")
    page = await screens.signed_in(SUPERUSER, SUPERUSER_PASSWORD)
    await use_language(page, stack.base_url, language)
    await page.goto(f"/products?search={product['sku']}")

    async with page.expect_download() as download_info:
        await page.get_by_role("button", name=texts["export"]).click()
    download = await download_info.value
    assert re.fullmatch(r"products-\d{4}-\d{2}-\d{2}\.csv", download.suggested_filename)
    path = tmp_path / download.suggested_filename
    await download.save_as(path)
    header, row = path.read_text(encoding="utf-8-sig").splitlines()
    assert header.split(",") == texts["header"]
    assert row == f"{product['sku']},{product['name']},,12.50,5,active"

    new_sku = f"NEW-{uuid.uuid4().hex[:8]}"
    upload = tmp_path / "products.csv"
    upload.write_text(
        f"{header}\r\n{product['sku']},{product['name']},,13.00,5,active\r\n"
        f"{new_sku},茶叶,,20.00,7,active\r\n",
        encoding="utf-8-sig",
    )
    await page.get_by_role("button", name=texts["import"]).click()
    dialog = page.get_by_role("dialog")
    await dialog.get_by_label(texts["file"]).set_input_files(upload)
    await dialog.get_by_role("button", name=texts["check"]).click()
    await expect(dialog.get_by_role("row", name=re.compile(product["sku"]))).to_contain_text(
        texts["update"]
    )
    await expect(dialog.get_by_role("row", name=re.compile(new_sku))).to_contain_text(
        texts["create"]
    )
    assert await axe_violations(page) == []
    await screenshot(page, f"products-import-{language}")
    async with stack.api(await stack.admin_token()) as client:
        before = (await client.get("/api/products", params={"search": new_sku})).json()
    assert before["items"] == []

    await dialog.get_by_role("button", name=texts["confirm"]).click()
    await expect(page.get_by_role("status").filter(has_text=texts["done"])).to_be_visible()
    async with stack.api(await stack.admin_token()) as client:
        updated = (await client.get(f"/api/products/{product['id']}")).json()
        created = (await client.get("/api/products", params={"search": new_sku})).json()
    assert updated["price"] == "13.00"
    assert [(item["name"], item["stock_quantity"]) for item in created["items"]] == [("茶叶", 7)]


JOURNEY_TEXTS: dict[str, dict[str, Any]] = {
    "en": {
        "search_products": "Search products",
        "add_to_cart": "Add to cart: {name}",
        "menu": "Menu",
        "cart": re.compile(r"^Cart"),
        "place_order": "Place order",
        "order_number": "Order number",
        "mark": "Mark as {action}",
        "confirm": "Yes, mark as {status}",
        "actions": {"paid": "paid", "shipped": "shipped"},
        "statuses": {"pending": "Pending", "paid": "Paid", "shipped": "Shipped"},
        "carrier_field": "Carrier (optional)",
        "tracking_field": "Tracking number (optional)",
        "export": "Export CSV",
        "ships_to": "Ships to",
        "carrier": "Carrier",
        "tracking_number": "Tracking number",
        "country": "China",
        "carrier_name": "SF Express",
        "columns": {
            "number": "Order number",
            "status": "Status",
            "recipient": "Recipient",
            "phone": "Phone",
            "line1": "Address line 1",
            "city": "City",
            "country": "Country",
            "carrier": "Carrier",
            "tracking_number": "Tracking number",
        },
    },
    "zh-CN": {
        "search_products": "搜索商品",
        "add_to_cart": "将 {name} 加入购物车",
        "menu": "菜单",
        "cart": re.compile(r"^购物车"),
        "place_order": "提交订单",
        "order_number": "订单号",
        "mark": "标记为{action}",
        "confirm": "确定，标记为{status}",
        "actions": {"paid": "已付款", "shipped": "已发货"},
        "statuses": {"pending": "待付款", "paid": "已付款", "shipped": "已发货"},
        "carrier_field": "承运商（选填）",
        "tracking_field": "运单号（选填）",
        "export": "导出 CSV",
        "ships_to": "收货地址",
        "carrier": "承运商",
        "tracking_number": "运单号",
        "country": "中国",
        "carrier_name": "顺丰速运",
        "columns": {
            "number": "订单号",
            "status": "状态",
            "recipient": "收货人",
            "phone": "电话",
            "line1": "地址 1",
            "city": "城市",
            "country": "国家/地区",
            "carrier": "承运商",
            "tracking_number": "运单号",
        },
    },
}


def order_term(page: Page, label: str) -> Locator:
    """The value the order screen's summary gives under `label`."""
    term = page.get_by_role("term").filter(has_text=re.compile(rf"^{re.escape(label)}$"))
    return term.locator("xpath=following-sibling::dd[1]")


@pytest.mark.parametrize("language", LANGUAGES)
async def test_a_phone_checkout_is_found_by_staff_shipped_exported_and_tracked_by_the_customer(
    screens: Screens, stack: Stack, language: str, tmp_path: Path
) -> None:
    texts = JOURNEY_TEXTS[language]
    product = await stack.add_product(stock=5, price="12.50")
    username = await stack.add_customer(with_address=False)

    # 1. The customer, on a phone, puts the product in the cart and checks out to an address.
    customer = await screens.signed_in(username, CUSTOMER_PASSWORD, phone=True)
    await use_language(customer, stack.base_url, language)
    await customer.goto("/products")
    await customer.get_by_role("searchbox", name=texts["search_products"]).fill(product["sku"])
    await expect(customer).to_have_url(re.compile(r"[?&]search="))
    await customer.get_by_role(
        "button", name=texts["add_to_cart"].format(name=product["name"])
    ).click()
    await customer.get_by_role("button", name=texts["menu"]).click()
    await customer.get_by_role("link", name=texts["cart"]).click()
    await fill_shipping_address(customer, language=language)
    await customer.get_by_role("button", name=texts["place_order"]).click()
    await expect(customer).to_have_url(re.compile(r"/orders/\d+$"))
    await expect(customer.get_by_test_id("order-status")).to_have_text(texts["statuses"]["pending"])
    [order] = await stack.orders_of(username)
    assert order["id"] == order_id_from(customer)
    assert order["shipping_address"]["line1"] == E2E_ADDRESS["line1"]
    last_digits = order["order_number"][-6:]

    # 2. Staff find it by its last digits, open it, and mark it paid, then shipped.
    tracking_number = f"SF{uuid.uuid4().int % 10**12:012d}"
    admin = await screens.signed_in(SUPERUSER, SUPERUSER_PASSWORD)
    await use_language(admin, stack.base_url, language)
    await admin.goto("/orders")
    search = admin.get_by_role("searchbox", name=texts["order_number"])
    await search.fill(last_digits)
    await search.press("Enter")
    rows = admin.get_by_role("row", name=re.compile(r"ORD-"))
    await expect(rows).to_have_count(1)
    await rows.get_by_role("link", name=order["order_number"]).click()
    await expect(admin).to_have_url(re.compile(rf"/orders/{order['id']}$"))
    for step in ("paid", "shipped"):
        action, status = texts["actions"][step], texts["statuses"][step]
        await admin.get_by_role("button", name=texts["mark"].format(action=action)).click()
        if step == "shipped":
            await admin.get_by_label(texts["carrier_field"]).fill(texts["carrier_name"])
            await admin.get_by_label(texts["tracking_field"]).fill(tracking_number)
        await admin.get_by_role("button", name=texts["confirm"].format(status=status)).click()
        await expect(admin.get_by_test_id("order-status")).to_have_text(status)

    # 3. The list filtered to that order, exported: a CSV as Excel opens it, in the language.
    await admin.goto(f"/orders?search={last_digits}")
    await expect(rows).to_have_count(1)
    async with admin.expect_download() as download_info:
        await admin.get_by_role("button", name=texts["export"]).click()
    download = await download_info.value
    assert re.fullmatch(r"orders-\d{4}-\d{2}-\d{2}\.csv", download.suggested_filename)
    path = tmp_path / download.suggested_filename
    await download.save_as(path)
    content = path.read_bytes()
    assert content.startswith(b"\xef\xbb\xbf")
    text = content.decode("utf-8-sig")
    assert text.endswith("\r\n")
    assert "\n" not in text.replace("\r\n", "")
    columns = texts["columns"]
    reader = csv.DictReader(io.StringIO(text, newline=""))
    assert reader.fieldnames is not None
    assert reader.fieldnames[0] == columns["number"]
    assert [{name: row[column] for name, column in columns.items()} for row in reader] == [
        {
            "number": order["order_number"],
            "status": "shipped",
            "recipient": E2E_ADDRESS["recipient"],
            # A leading + would start a formula in a spreadsheet: the file quotes it.
            "phone": f"'{E2E_ADDRESS['phone']}",
            "line1": E2E_ADDRESS["line1"],
            "city": E2E_ADDRESS["city"],
            "country": E2E_ADDRESS["country"],
            "carrier": texts["carrier_name"],
            "tracking_number": tracking_number,
        }
    ]

    # 4. The customer, on the phone, sees it shipped, how to follow it and where it goes.
    await customer.reload()
    await expect(customer.get_by_test_id("order-status")).to_have_text(texts["statuses"]["shipped"])
    await expect(order_term(customer, texts["carrier"])).to_have_text(texts["carrier_name"])
    await expect(order_term(customer, texts["tracking_number"])).to_have_text(tracking_number)
    ships_to = order_term(customer, texts["ships_to"])
    for line in (E2E_ADDRESS["recipient"], E2E_ADDRESS["line1"], texts["country"]):
        await expect(ships_to).to_contain_text(line)
    await screenshot(customer, f"order-shipped-phone-{language}")


# The password-reset screens' names in each interface language, and the reset mail's subject.
RESET_SCREENS = {
    "en": {
        "forgot": "Forgot password?",
        "email": "Email",
        "send": "Send reset link",
        "sent": "a link to reset its password is on its way",
        "subject": "Reset your password",
        "new": "New password",
        "confirm": "Confirm password",
        "mismatch": "The new password and its confirmation don't match.",
        "set": "Set new password",
        "done": "Your password was changed. Sign in with the new one.",
        "dead": "This link has been used or has expired.",
        "request_new": "Request a new link",
    },
    "zh-CN": {
        "forgot": "忘记密码？",
        "email": "邮箱",
        "send": "发送重置链接",
        "sent": "重置密码的链接正在发送中",
        "subject": "重置您的密码",
        "new": "新密码",
        "confirm": "确认新密码",
        "mismatch": "两次输入的新密码不一致。",
        "set": "设置新密码",
        "done": "密码已修改，请使用新密码登录。",
        "dead": "此链接已使用或已过期。",
        "request_new": "重新申请链接",
    },
}
SIGN_IN_LABELS = {
    "en": ("Username", "Password", "Sign in"),
    "zh-CN": ("用户名", "密码", "登录"),
}


@pytest.mark.parametrize("language", LANGUAGES)
async def test_a_forgotten_password_is_reset_through_the_link_in_the_mail(
    screens: Screens, stack: Stack, language: str
) -> None:
    username = await stack.add_customer(with_address=False)
    # The mail is written in the account's language.
    await stack.update_me(username, locale=language)
    address = f"{username}@example.com"
    names = RESET_SCREENS[language]
    page = await screens.new_page()
    await use_language(page, stack.base_url, language)
    await page.goto("/login")
    await page.get_by_role("link", name=names["forgot"]).click()
    await page.get_by_label(names["email"], exact=True).fill(address)
    await page.get_by_role("button", name=names["send"]).click()
    sent = page.get_by_role("main").get_by_role("status")
    await expect(sent).to_contain_text(names["sent"])
    await expect(sent).to_contain_text(address)
    await screenshot(page, f"forgot-password-{language}")

    # The mail links to the site's reset screen.
    [mail] = await stack.mailbox.delivered_to(address)
    assert mail["Subject"] == names["subject"]
    body = mail.get_body(("plain",))
    assert body is not None
    match = re.search(r"\S+/reset-password\?token=\S+", body.get_content())
    assert match, body.get_content()
    link = match.group()
    assert link.startswith(f"{stack.base_url}/reset-password?token=")
    await page.goto(link)

    new_password = f"reset-{uuid.uuid4().hex[:10]}"
    await page.get_by_label(names["new"], exact=True).fill(new_password)
    await page.get_by_label(names["confirm"], exact=True).fill(new_password + "x")
    await page.get_by_role("button", name=names["set"]).click()
    await expect(page.get_by_text(names["mismatch"])).to_be_visible()
    await page.get_by_label(names["confirm"], exact=True).fill(new_password)
    await screenshot(page, f"reset-password-{language}")
    await page.get_by_role("button", name=names["set"]).click()

    await expect(page).to_have_url(re.compile(r"/login\?reset=done$"))
    await expect(page.get_by_role("main").get_by_role("status")).to_have_text(names["done"])
    username_label, password_label, sign_in_button = SIGN_IN_LABELS[language]
    await page.get_by_label(username_label, exact=True).fill(username)
    await page.get_by_label(password_label, exact=True).fill(new_password)
    await page.get_by_role("button", name=sign_in_button, exact=True).click()
    await expect(page).to_have_url(re.compile(r"/products$"))
    async with stack.api() as client:
        old = await client.post(
            "/api/auth/login", json={"username": username, "password": CUSTOMER_PASSWORD}
        )
    assert old.status_code == 401, old.text

    # The link works once: used, it says so and leads to asking for a new one.
    await page.goto(link)
    await page.get_by_label(names["new"], exact=True).fill(new_password)
    await page.get_by_label(names["confirm"], exact=True).fill(new_password)
    await page.get_by_role("button", name=names["set"]).click()
    await expect(page.get_by_role("main").get_by_role("alert")).to_contain_text(names["dead"])
    await page.get_by_role("link", name=names["request_new"]).click()
    await expect(page).to_have_url(re.compile(r"/forgot-password$"))


async def test_the_account_keeps_its_language_from_registration_the_switch_and_sign_in(
    screens: Screens, stack: Stack
) -> None:
    username = f"newcomer_{uuid.uuid4().hex[:8]}"
    page = await screens.new_page()
    await use_language(page, stack.base_url, "zh-CN")
    await page.goto("/register")
    await page.get_by_label("用户名").fill(username)
    await page.get_by_label("邮箱").fill(f"{username}@example.com")
    await page.get_by_label("密码").fill(CUSTOMER_PASSWORD)
    await page.get_by_role("button", name="创建账号").click()
    await expect(page).to_have_url(re.compile(r"/products$"))
    assert (await stack.me(username))["locale"] == "zh-CN"

    # Chosen while signed in, the language is the account's.
    await page.get_by_label("语言").select_option("en")
    await expect(page.get_by_role("navigation").get_by_role("link", name="Orders")).to_be_visible()
    async for attempt in async_retrying(20):
        with attempt:
            assert (await stack.me(username))["locale"] == "en"

    # Signing in elsewhere, the account's language wins over that browser's.
    elsewhere = await screens.new_page()
    await use_language(elsewhere, stack.base_url, "zh-CN")
    await elsewhere.goto("/login")
    await elsewhere.get_by_label("用户名").fill(username)
    await elsewhere.get_by_label("密码", exact=True).fill(CUSTOMER_PASSWORD)
    await elsewhere.get_by_role("button", name="登录", exact=True).click()
    await expect(elsewhere).to_have_url(re.compile(r"/products$"))
    await expect(elsewhere.locator("html")).to_have_attribute("lang", "en")
    navigation = elsewhere.get_by_role("navigation")
    await expect(navigation.get_by_role("link", name="Orders")).to_be_visible()
    await elsewhere.reload()
    await expect(navigation.get_by_role("link", name="Orders")).to_be_visible()


async def test_the_order_mails_link_turns_them_off_on_the_profile(
    screens: Screens, stack: Stack
) -> None:
    username, _ = await stack.customer_with_order(1)
    assert (await stack.me(username))["order_emails"] is True
    [mail] = await stack.mailbox.delivered_to(f"{username}@example.com")
    body = mail.get_body(("plain",))
    assert body is not None
    footer_link = f"{stack.base_url}/profile#notifications"
    assert footer_link in body.get_content()
    page = await screens.new_page()
    # The footer's link, followed signed out: sign-in first, then the part it points at.
    await page.goto(footer_link)
    await expect(page).to_have_url(re.compile(r"/login\?next=%2Fprofile%23notifications$"))
    await sign_in(page, username, CUSTOMER_PASSWORD)
    await expect(page).to_have_url(re.compile(r"/profile#notifications$"))

    switch = page.locator("#notifications").get_by_role("checkbox", name="Email me about my orders")
    await expect(switch).to_be_checked()
    await expect(switch).to_be_in_viewport()
    await switch.uncheck()
    await expect(page.locator("#notifications").get_by_role("status")).to_have_text(
        "You won't get emails about your orders any more."
    )
    await screenshot(page, "profile-notifications")
    assert (await stack.me(username))["order_emails"] is False
    await page.reload()
    await expect(switch).not_to_be_checked()
