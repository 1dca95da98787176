"""One allow-list per sort: the schema's Literal validates the request and picks the column."""

from typing import Literal

import pytest

from app.core.pagination import sort_columns
from app.orders.models import Order
from app.users.models import User
from app.users.schemas import UserSort


def test_each_name_of_a_sort_literal_sorts_the_models_column_of_that_name() -> None:
    assert sort_columns(UserSort, User) == {
        "username": User.username,
        "email": User.email,
        "created_at": User.created_at,
    }


@pytest.mark.parametrize(
    ("sorts", "name"),
    [(Literal["created_at", "-items"], "items"), (Literal["no_such_column"], "no_such_column")],
)
def test_a_sort_that_names_no_column_is_refused_when_the_list_is_declared(
    sorts: object, name: str
) -> None:
    with pytest.raises(TypeError, match=f"sort '{name}' is not a column of Order"):
        sort_columns(sorts, Order)
