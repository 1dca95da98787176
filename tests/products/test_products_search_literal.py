"""`search` is text to find, never SQL or a LIKE pattern: metacharacters match themselves."""

import httpx
import pytest
from conftest import AuthHeaders, ProductFactory
from helpers import read_ok
from products_support import PRODUCTS_URL
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.products.models import Product
from app.users.models import User

NAMES = ["50%_off", "50 off", "5%-off", "O'Brien's lamp", "Plain lamp", 'Say "hi"', "a;b"]


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        pytest.param("%_", {"50%_off"}, id="percent-underscore"),
        pytest.param("%", {"50%_off", "5%-off"}, id="percent"),
        pytest.param("'", {"O'Brien's lamp"}, id="quote"),
        pytest.param("' OR '1'='1", set(), id="or-true"),
        pytest.param("lamp' --", set(), id="comment"),
        pytest.param("'; DROP TABLE products; --", set(), id="drop-table"),
        pytest.param('"hi"', {'Say "hi"'}, id="double-quotes"),
        pytest.param(";", {"a;b"}, id="semicolon"),
        pytest.param("[a-z]", set(), id="regex-class"),
        pytest.param("*", set(), id="asterisk"),
    ],
)
async def test_search_metacharacters_match_only_themselves(
    client: httpx.AsyncClient,
    session: AsyncSession,
    make_product: ProductFactory,
    user: User,
    auth_headers: AuthHeaders,
    term: str,
    expected: set[str],
) -> None:
    for name in NAMES:
        await make_product(name=name)

    page = await read_ok(client, PRODUCTS_URL, auth_headers(user), search=term, limit=100)

    assert {item["name"] for item in page["items"]} == expected
    assert page["total"] == len(expected)
    assert await session.scalar(select(func.count()).select_from(Product)) == len(NAMES)
