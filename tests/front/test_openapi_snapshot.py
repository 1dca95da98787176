"""The SPA's API contract can't drift: front/openapi.json is the schema the server serves now,
and front/src/lib/api/schema.d.ts is what openapi-typescript makes of it; docs/errors.md is
what the error classes say. `make client` rewrites all three;
`make front-deps` installs the generator these tests run."""

import subprocess
from pathlib import Path

from conftest import MakeSettings

from app.core.errors import AppError
from app.main import create_app
from devtools.errors_doc import errors_document
from devtools.openapi import openapi_document

REGENERATE = "out of date: run `make client` and commit the result"


def test_snapshot_is_the_schema_the_server_serves(
    make_settings: MakeSettings, repo_root: Path
) -> None:
    snapshot = (repo_root / "front" / "openapi.json").read_text(encoding="utf-8")

    assert openapi_document(create_app(make_settings())) == snapshot, (
        f"front/openapi.json {REGENERATE}"
    )


def test_generated_types_are_those_of_the_snapshot(repo_root: Path, tmp_path: Path) -> None:
    front = repo_root / "front"
    generator = front / "node_modules" / ".bin" / "openapi-typescript"
    assert generator.exists(), "front/node_modules is missing: run `make front-deps`"
    generated = tmp_path / "schema.d.ts"

    subprocess.run(
        [str(generator), "openapi.json", "--output", str(generated)],
        cwd=front,
        check=True,
        capture_output=True,
    )

    committed = front / "src" / "lib" / "api" / "schema.d.ts"
    assert generated.read_text(encoding="utf-8") == committed.read_text(encoding="utf-8"), (
        f"front/src/lib/api/schema.d.ts {REGENERATE}"
    )


def test_errors_doc_is_that_of_the_error_classes(repo_root: Path) -> None:
    committed = (repo_root / "docs" / "errors.md").read_text(encoding="utf-8")
    assert errors_document() == committed, f"docs/errors.md {REGENERATE}"


def test_every_error_class_is_in_the_errors_doc(repo_root: Path) -> None:
    document = (repo_root / "docs" / "errors.md").read_text(encoding="utf-8")
    assert [
        error.code for error in AppError.declared if f"| `{error.code}` |" not in document
    ] == []
