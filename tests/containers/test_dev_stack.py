"""docker-compose.yml for real: `docker compose up -d --build` in a fresh checkout builds both
images and starts db, backend, frontend, nginx and Mailpit; then the seed guide's first
commands (its curl sign-in, `/health`, Swagger, the SPA in Chromium, `docker exec
order_system_db psql` statistics, `docker compose logs backend`), a password reset read in
Mailpit, and the database volume across `down` and `up`."""

import json
import re
import uuid
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from container_fixtures import Stack, http_client
from e2e_support import add_to_cart_and_open_it, fill_shipping_address, sign_in
from helpers import retrying
from playwright.async_api import Browser, expect

SUPERUSER = ("superAdmin", "admin123")  # docker-compose.yml's development defaults
SUPERUSER_EMAIL = "superadmin@example.com"
# The sender's first look for due mail comes within EMAIL_POLL_INTERVAL_SECONDS (5).
MAIL_WITHIN_SECONDS = 60

# The seed guide's (001) statistics queries, as an operator pastes them; pg_stat_statements
# under the column names PostgreSQL 13 and later use.
SEED_QUERIES = {
    "users": "SELECT id, username, email, role, created_at FROM users "
    "ORDER BY created_at DESC LIMIT 20;",
    "orders by status": "SELECT status, COUNT(*) as count, SUM(total_amount) as total "
    "FROM orders GROUP BY status;",
    "recent orders": "SELECT o.id, o.order_number, u.username, o.status, o.total_amount, "
    "o.created_at FROM orders o JOIN users u ON o.user_id = u.id "
    "ORDER BY o.created_at DESC LIMIT 10;",
    "low stock": "SELECT name, sku, stock_quantity, price, status FROM products "
    "WHERE stock_quantity < 10 ORDER BY stock_quantity ASC;",
    "totals": "SELECT (SELECT COUNT(*) FROM users) as total_users, "
    "(SELECT COUNT(*) FROM orders) as total_orders, "
    "(SELECT COUNT(*) FROM products) as total_products, "
    "(SELECT COUNT(*) FROM orders WHERE status = 'completed') as completed_orders;",
    "connections": "SELECT count(*) as connections FROM pg_stat_activity "
    "WHERE datname = 'order_system';",
    "size": "SELECT pg_size_pretty(pg_database_size('order_system'));",
}


def base_url(port: int) -> str:
    return f"http://127.0.0.1:{port}"


def admin_token(url: str) -> str:
    with http_client(url) as client:
        response = client.post(
            "/api/auth/login", json={"username": SUPERUSER[0], "password": SUPERUSER[1]}
        )
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


def add_product(url: str, *, stock: int) -> dict[str, str]:
    suffix = uuid.uuid4().hex[:8]
    with http_client(url, headers={"Authorization": f"Bearer {admin_token(url)}"}) as client:
        response = client.post(
            "/api/products",
            json={
                "name": f"Container tea {suffix}",
                "sku": f"CT-{suffix}",
                "price": "4.50",
                "stock_quantity": stock,
            },
        )
    assert response.status_code == 201, response.text
    product: dict[str, str] = response.json()
    return product


def psql(stack: Stack, query: str) -> str:
    """The seed's form: docker exec order_system_db psql -U postgres -d order_system -c ..."""
    result = stack.engine.docker(
        "exec",
        "order_system_db",
        "psql",
        "-U",
        "postgres",
        "-d",
        "order_system",
        "-c",
        query,
    )
    return result.stdout


def test_every_service_is_up_and_healthy(dev_stack: Stack) -> None:
    listing = dev_stack.wait_healthy()
    assert {entry["Service"]: entry["Health"] for entry in listing} == {
        "db": "healthy",
        "backend": "healthy",
        "frontend": "healthy",
        "nginx": "healthy",
        "mailpit": "healthy",
    }
    # Only nginx and Mailpit's UI publish a port, each on the loopback address.
    published = {
        entry["Service"]: [port for port in entry["Publishers"] if port["PublishedPort"]]
        for entry in listing
    }
    assert [port["URL"] for port in published.pop("nginx")] == ["127.0.0.1"]
    assert [(port["URL"], port["TargetPort"]) for port in published.pop("mailpit")] == [
        ("127.0.0.1", 8025)
    ]
    assert not any(published.values()), published


def test_the_seed_sign_in_health_docs_and_spa_answer_through_nginx(
    dev_stack: Stack, dev_port: int
) -> None:
    with http_client(base_url(dev_port)) as client:
        login = client.post(
            "/api/auth/login",
            headers={"Content-Type": "application/json"},
            content=json.dumps({"username": "superAdmin", "password": "admin123"}),
        )
        assert login.status_code == 200, login.text
        assert set(login.json()) >= {
            "access_token",
            "refresh_token",
            "token_type",
            "expires_in",
        }

        health = client.get("/health")
        assert (health.status_code, health.json()) == (
            200,
            {"status": "healthy", "database": "connected"},
        )
        docs = client.get("/api/docs")
        assert docs.status_code == 200
        assert "swagger-ui" in docs.text
        spa = client.get("/login")
        assert spa.status_code == 200
        assert "/_next/static/" in spa.text
        script = re.search(r'src="(/_next/static/[^"]+\.js)"', spa.text)
        assert script, spa.text[:500]
        asset = client.get(script.group(1))
        assert asset.status_code == 200
        assert asset.headers["cache-control"] == "public, max-age=31536000, immutable"


async def test_a_customer_signs_in_orders_and_sees_the_order_pending(
    dev_stack: Stack, dev_port: int, browser: Browser
) -> None:
    url = base_url(dev_port)
    product = add_product(url, stock=5)
    username = f"buyer_{uuid.uuid4().hex[:8]}"
    with http_client(url) as client:
        registered = client.post(
            "/api/auth/register",
            json={
                "username": username,
                "email": f"{username}@example.com",
                "password": "container-customer",
            },
        )
    assert registered.status_code == 201, registered.text

    context = await browser.new_context(base_url=url, locale="en-US")
    page = await context.new_page()
    await page.goto("/login")
    await sign_in(page, username, "container-customer")
    await expect(page).not_to_have_url(re.compile(r"/login"), timeout=30_000)
    await add_to_cart_and_open_it(page, product)
    await fill_shipping_address(page)
    await page.get_by_role("button", name="Place order").click()
    await expect(page).to_have_url(re.compile(r"/orders/\d+$"), timeout=30_000)
    await expect(page.get_by_text("Pending").first).to_be_visible()
    await context.close()

    rows = psql(
        dev_stack,
        "SELECT o.status, p.stock_quantity FROM orders o JOIN users u ON u.id = o.user_id "
        "JOIN order_items i ON i.order_id = o.id JOIN products p ON p.id = i.product_id "
        f"WHERE u.username = '{username}';",
    )
    assert re.search(r"pending\s*\|\s*4\b", rows), rows


def test_the_seed_statistics_queries_answer(dev_stack: Stack) -> None:
    for name, query in SEED_QUERIES.items():
        output = psql(dev_stack, query)
        assert re.search(r"\(\d+ rows?\)", output), f"{name}: {output}"
    assert "superAdmin" in psql(dev_stack, SEED_QUERIES["users"])

    psql(dev_stack, "CREATE EXTENSION IF NOT EXISTS pg_stat_statements;")
    slow = psql(
        dev_stack,
        "SELECT query, calls, total_exec_time, mean_exec_time FROM pg_stat_statements "
        "ORDER BY mean_exec_time DESC LIMIT 10;",
    )
    assert "(10 rows)" in slow, slow


def test_backend_logs_are_json_lines_with_request_ids(dev_stack: Stack, dev_port: int) -> None:
    request_id = f"container-test-{uuid.uuid4().hex}"
    with http_client(base_url(dev_port)) as client:
        response = client.get("/api/users/me", headers={"X-Request-ID": request_id})
    assert response.status_code == 401
    assert response.headers["x-request-id"] == request_id

    logs = dev_stack.compose("logs", "--no-log-prefix", "backend").stdout
    events = [json.loads(line) for line in logs.splitlines() if line.startswith("{")]
    assert events, logs[-2000:]
    mine = [event for event in events if event.get("request_id") == request_id]
    assert [(event["path"], event["status"]) for event in mine] == [("/api/users/me", 401)]
    # Start-up, migrations and the app's events alike.
    assert {"migrating", "Application startup complete."} <= {event["event"] for event in events}


def mailpit_message_to(mailpit_port: int, address: str) -> dict[str, Any]:
    """The newest mail to `address` in Mailpit, read through its API as a developer's
    browser does."""
    with http_client(base_url(mailpit_port)) as mailpit:
        for attempt in retrying(
            MAIL_WITHIN_SECONDS, interval=1, on=(AssertionError, httpx.TransportError)
        ):
            with attempt:
                listing = mailpit.get("/api/v1/messages")
                assert listing.status_code == 200, listing.text
                mine = [
                    summary
                    for summary in listing.json()["messages"]
                    if address in {to["Address"] for to in summary["To"]}
                ]
                assert mine, listing.json()
        message = mailpit.get(f"/api/v1/message/{mine[0]['ID']}")
    assert message.status_code == 200, message.text
    found: dict[str, Any] = message.json()
    return found


def test_a_password_reset_is_mailed_to_mailpit_and_its_link_sets_a_new_password(
    dev_stack: Stack, dev_port: int, mailpit_port: int
) -> None:
    with http_client(base_url(dev_port)) as client:
        requested = client.post("/api/auth/password-reset", json={"email": SUPERUSER_EMAIL})
        assert requested.status_code == 202, requested.text

        mail = mailpit_message_to(mailpit_port, SUPERUSER_EMAIL)
        # PUBLIC_URL's default: the site as nginx serves it on the default port.
        link = re.search(r"http://localhost/reset-password\?\S+", mail["Text"])
        assert link, mail["Text"]
        assert link.group() in mail["HTML"]
        [token] = parse_qs(urlsplit(link.group()).query)["token"]
        confirmed = client.post(
            "/api/auth/password-reset/confirm",
            json={"token": token, "new_password": "reset-through-mailpit"},
        )
        assert confirmed.status_code == 204, confirmed.text
        used_again = client.post(
            "/api/auth/password-reset/confirm",
            json={"token": token, "new_password": "another-new-password"},
        )
        assert used_again.json()["code"] == "invalid_reset_token", used_again.text

        login = client.post(
            "/api/auth/login", json={"username": SUPERUSER[0], "password": "reset-through-mailpit"}
        )
        assert login.status_code == 200, login.text
        # The development login again, for the tests after this one.
        restored = client.post(
            "/api/users/me/password",
            headers={"Authorization": f"Bearer {login.json()['access_token']}"},
            json={"current_password": "reset-through-mailpit", "new_password": SUPERUSER[1]},
        )
        assert restored.status_code == 204, restored.text
    assert admin_token(base_url(dev_port))


def test_down_and_up_keep_the_data_and_the_signing_key_and_down_volumes_removes_them(
    dev_stack: Stack, dev_port: int
) -> None:
    url = base_url(dev_port)
    product = add_product(url, stock=7)
    token = admin_token(url)
    dev_stack.compose("down", timeout=300)
    assert dev_stack.engine.exists("volume", "order_system_postgres_data")
    dev_stack.up()
    # New containers, the same key (no SECRET_KEY is set): a token from before still signs in.
    with http_client(url, headers={"Authorization": f"Bearer {token}"}) as client:
        kept = [client.get(f"/api/products/{product['id']}") for _ in range(6)]
    assert {(answer.status_code, answer.json()["sku"]) for answer in kept} == {
        (200, product["sku"])
    }

    dev_stack.compose("down", "--volumes", timeout=300)
    for volume in ("order_system_postgres_data", "order_system_backend_state"):
        assert not dev_stack.engine.exists("volume", volume)
    assert dev_stack.services() == []
