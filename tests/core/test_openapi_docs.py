"""The schema tells the truth about what the fuzzer found it hid (tests/fuzz finds the rest)."""

from typing import Any

import pytest
from error_coverage import documented_errors
from fastapi import FastAPI

from app.core.errors import PATH_ERRORS, AppError, RequestInvalid, UnstorableValue
from app.orders.exceptions import IdempotencyKeyReused, OrderTooLarge, ProductsUnavailable

# Routes whose body is JSON or a form: any of them can answer 400 and 413 before its code runs.
BODY_ROUTES = [
    ("post", "/api/auth/login"),
    ("post", "/api/auth/token"),
    ("post", "/api/auth/refresh"),
    ("post", "/api/auth/logout"),
    ("post", "/api/auth/register"),
    ("post", "/api/auth/password-reset"),
    ("post", "/api/auth/password-reset/confirm"),
    ("patch", "/api/users/me"),
    ("post", "/api/users/me/password"),
    ("post", "/api/users"),
    ("patch", "/api/users/{user_id}"),
    ("post", "/api/products"),
    ("patch", "/api/products/{product_id}"),
    ("post", "/api/products/{product_id}/stock"),
    ("post", "/api/products/import"),
    ("post", "/api/orders"),
    ("patch", "/api/orders/{order_id}/status"),
    ("post", "/api/orders/bulk-status"),
]


def operations(app: FastAPI) -> dict[tuple[str, str], dict[str, Any]]:
    return {
        (method, path): operation
        for path, item in app.openapi()["paths"].items()
        for method, operation in item.items()
    }


def test_the_body_routes_are_every_route_with_a_body(app: FastAPI) -> None:
    with_body = {key for key, operation in operations(app).items() if "requestBody" in operation}
    assert with_body == set(BODY_ROUTES)


@pytest.mark.parametrize(("method", "path"), BODY_ROUTES)
def test_a_route_with_a_body_documents_400_and_413(app: FastAPI, method: str, path: str) -> None:
    assert {"400", "413"} <= set(operations(app)[method, path]["responses"])


def test_listing_orders_documents_the_403_for_a_customers_user_filter(app: FastAPI) -> None:
    assert "403" in operations(app)["get", "/api/orders"]["responses"]


def test_the_422_of_placing_an_order_lists_validation_errors_and_the_orders_own(
    app: FastAPI,
) -> None:
    schema = operations(app)["post", "/api/orders"]["responses"]["422"]["content"]
    refs = {variant["$ref"] for variant in schema["application/json"]["schema"]["anyOf"]}
    assert refs == {
        f"#/components/schemas/{error.__name__}Body"
        for error in (
            RequestInvalid,
            UnstorableValue,
            ProductsUnavailable,
            OrderTooLarge,
            IdempotencyKeyReused,
        )
    }


def test_no_route_documents_fastapis_422_body_which_lacks_the_code(app: FastAPI) -> None:
    schemas = app.openapi()["components"]["schemas"]
    assert not {"HTTPValidationError", "ValidationError"} & set(schemas)
    assert schemas["RequestInvalidBody"]["properties"]["code"]["const"] == "validation_error"


def test_every_error_is_documented_on_a_route_unless_it_belongs_to_a_path(app: FastAPI) -> None:
    documented = {code for _, _, _, code in documented_errors(app.openapi())}
    route_errors = [error for error in AppError.declared if error not in PATH_ERRORS]
    assert [error.code for error in route_errors if error.code not in documented] == []


def test_an_insufficient_stock_body_types_its_shortages(app: FastAPI) -> None:
    schemas = app.openapi()["components"]["schemas"]
    items = schemas["InsufficientStockBody"]["properties"]["items"]
    assert items["items"] == {"$ref": "#/components/schemas/StockShortage"}
    assert set(schemas["StockShortage"]["required"]) == {"product_id", "requested", "available"}


@pytest.mark.parametrize(
    ("model", "field"),
    [
        ("ProductUpdate", "name"),
        ("ProductUpdate", "sku"),
        ("ProductUpdate", "price"),
        ("ProductUpdate", "status"),
        ("UserUpdate", "email"),
        ("UserUpdate", "role"),
        ("UserUpdate", "is_active"),
        ("UserUpdate", "password"),
        ("UserUpdateMe", "email"),
    ],
)
def test_a_patch_field_that_refuses_null_does_not_offer_it(
    app: FastAPI, model: str, field: str
) -> None:
    schema = app.openapi()["components"]["schemas"][model]["properties"][field]
    assert {"type": "null"} not in schema.get("anyOf", [])
    assert schema.get("type") != "null"


def test_a_stock_adjustment_of_zero_is_outside_the_schema(app: FastAPI) -> None:
    delta = app.openapi()["components"]["schemas"]["StockAdjustment"]["properties"]["delta"]
    assert delta["not"] == {"const": 0}


@pytest.mark.parametrize("model", ["ProductCreate", "ProductUpdate"])
def test_a_product_name_must_hold_more_than_whitespace(app: FastAPI, model: str) -> None:
    """The server strips it: a name of a vertical tab was schema-valid and refused."""
    name = app.openapi()["components"]["schemas"][model]["properties"]["name"]
    assert name["pattern"] == "\\S"


def test_each_status_lists_the_routes_errors_and_those_every_route_can_give(app: FastAPI) -> None:
    conflict = operations(app)["post", "/api/products/{product_id}/stock"]["responses"]["409"]
    assert conflict["description"] == (
        "Conflict: `insufficient_stock`, `stock_limit_exceeded`, `concurrent_update`, "
        "`constraint_violation`"
    )
    documented = documented_errors(app.openapi())
    assert ("post", "/api/products/{product_id}/stock", 401, "invalid_token") in documented
    assert ("post", "/api/products/{product_id}/stock", 403, "admin_required") in documented
    assert ("post", "/api/products/{product_id}/stock", 413, "request_too_large") in documented
    assert ("get", "/api/products", 503, "database_busy") in documented
    assert ("get", "/api/products", 401, "not_authenticated") in documented
    assert ("get", "/api/products", 403, "admin_required") not in documented
