"""`make client`: the API's OpenAPI schema as the SPA's committed snapshot, front/openapi.json.

`python -m devtools.openapi [PATH]` writes it to PATH (default front/openapi.json); the SPA's
types are generated from that file, and tests/front checks that neither has drifted.
"""

import json
import sys
from pathlib import Path

from fastapi import FastAPI

from app.main import create_app
from devtools.dev_database import REPO_ROOT

SNAPSHOT = REPO_ROOT / "front" / "openapi.json"


def openapi_document(app: FastAPI) -> str:
    """The schema as the snapshot stores it: sorted keys, so that diffs show real changes."""
    return json.dumps(app.openapi(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main() -> None:
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else SNAPSHOT
    target.write_text(openapi_document(create_app()), encoding="utf-8")
    print(f"Wrote {target}", flush=True)


if __name__ == "__main__":
    main()
