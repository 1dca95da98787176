"""What Swagger and ReDoc show beside each call: every operation says what it does and who may
call it, and every group of operations says what it is for."""

from typing import Any

from fastapi import FastAPI


def _operations(app: FastAPI) -> dict[str, dict[str, Any]]:
    return {
        f"{method.upper()} {path}": operation
        for path, item in app.openapi()["paths"].items()
        for method, operation in item.items()
    }


def test_every_operation_has_a_summary_and_a_description(app: FastAPI) -> None:
    undescribed = [
        name
        for name, operation in _operations(app).items()
        if not (operation.get("summary") and operation.get("description"))
    ]
    assert undescribed == []


def test_every_operation_is_in_exactly_one_tag(app: FastAPI) -> None:
    # Untagged, Swagger files an operation under "default".
    misfiled = [name for name, op in _operations(app).items() if len(op.get("tags", [])) != 1]
    assert misfiled == []


def test_the_tags_declared_are_the_tags_used_each_with_a_description(app: FastAPI) -> None:
    declared = {tag["name"]: tag.get("description") for tag in app.openapi().get("tags", [])}
    used = {tag for operation in _operations(app).values() for tag in operation.get("tags", [])}
    assert set(declared) == used
    assert [name for name, description in declared.items() if not description] == []
