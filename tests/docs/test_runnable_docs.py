"""The guides' `<!-- runnable: checkout -->` blocks run as written in the repository, with its
virtualenv first on PATH, and leave its tracked files as they were; every runnable marker
names a stack the tests run and sits right on a ```bash fence, and every marker on a fence is
one a test reads, so a typo can't hide a block."""

import os
import subprocess
from pathlib import Path

import pytest
from docs_support import (
    MARKERS,
    REPO_ROOT,
    RUNNABLE,
    STACKS,
    MarkedBlock,
    marked_blocks,
    marked_blocks_in,
)


def tracked_changes() -> str:
    return subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout


@pytest.mark.parametrize(
    "block",
    [block for block in marked_blocks() if block.name == RUNNABLE],
    ids=lambda block: block.location,
)
def test_every_runnable_marker_names_a_stack_and_marks_a_bash_block(
    block: MarkedBlock,
) -> None:
    assert block.argument in STACKS, f"{block.location}: unknown stack {block.argument!r}"
    assert block.language == "bash", f"{block.location}: the marker is not right on a ```bash fence"


def test_every_marker_on_a_fence_is_one_the_tests_read() -> None:
    unknown = [
        f"{block.location}: {block.name}"
        for block in marked_blocks()
        if block.language is not None and block.name not in MARKERS
    ]
    assert not unknown, f"markers no test reads (a typo?): {unknown}"


@pytest.mark.parametrize(
    "block",
    [block for block in marked_blocks() if block.name == RUNNABLE and block.argument == "checkout"],
    ids=lambda block: block.location,
)
def test_checkout_block_runs(block: MarkedBlock) -> None:
    before = tracked_changes()
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", block.code],
        cwd=REPO_ROOT,
        env={
            **os.environ,
            "PATH": f"{REPO_ROOT / '.venv' / 'bin'}{os.pathsep}{os.environ['PATH']}",
        },
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, (
        f"{block.location} exited {result.returncode}:\n{result.stdout[-4000:]}\n"
        f"{result.stderr[-4000:]}"
    )
    assert tracked_changes() == before, f"{block.location} changed tracked files"


GUIDE = """\
# A guide

<!-- runnable: checkout -->
```bash
make help
```

<!-- runnable: production -->

```bash
echo "not attached: a blank line comes between"
```

- in a list:
  <!-- runnable: dev -->
  ```bash
  curl -fsS "$SITE/health"
  ```

<!-- runnable: checkout -->
```python
print("not bash")
```

```bash
# <!-- runnable: checkout --> inside code is code
```
"""


def test_markers_are_read_as_markdown_reads_them(tmp_path: Path) -> None:
    guide = tmp_path / "guide.md"
    guide.write_text(GUIDE)

    found = [
        (block.line, block.argument, block.language, block.code)
        for block in marked_blocks_in(guide)
    ]

    assert found == [
        (3, "checkout", "bash", "make help\n"),
        (8, "production", None, ""),
        (15, "dev", "bash", 'curl -fsS "$SITE/health"\n'),
        (20, "checkout", "python", 'print("not bash")\n'),
    ]
