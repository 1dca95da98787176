"""The guides' marked shell blocks: README.md and every Markdown file under docs/.

A block is marked when the line right before its opening fence is an HTML comment
`<!-- NAME: ARGUMENT -->`. `runnable: STACK` blocks are run by the tests against STACK
(`checkout`, `production` or `dev`, see docs/testing.md); other names (`production-setup`,
`slow-queries`) are looked up by the tests that run them. markdown-it-py parses the files, so
fences inside lists or quotes, and comments inside code, are read as Markdown reads them.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from markdown_it import MarkdownIt
from markdown_it.token import Token

REPO_ROOT = Path(__file__).resolve().parents[1]
RUNNABLE = "runnable"
# Where a runnable block runs: a checkout without servers, or one of the Compose stacks.
STACKS = ("checkout", "production", "dev")
# Every marker a test reads: a comment right on a fence naming anything else is a typo.
MARKERS = (RUNNABLE, "production-setup", "slow-queries")


@dataclass(frozen=True)
class MarkedBlock:
    """A marker comment and the fenced block right after it (none when something else follows)."""

    path: Path
    line: int
    name: str
    argument: str
    language: str | None
    code: str

    @property
    def location(self) -> str:
        """`FILE:LINE` of the marker, the file relative to the repository."""
        return f"{self.path.relative_to(REPO_ROOT)}:{self.line}"


def guide_files(root: Path = REPO_ROOT) -> list[Path]:
    return [root / "README.md", *sorted((root / "docs").rglob("*.md"))]


def marker_of(token: Token) -> tuple[str, str] | None:
    """`(NAME, ARGUMENT)` of an HTML block that is a single `<!-- NAME: ARGUMENT -->`."""
    content = token.content.strip()
    if not (content.startswith("<!--") and content.endswith("-->")) or "\n" in content:
        return None
    name, colon, argument = content.removeprefix("<!--").removesuffix("-->").partition(":")
    if not colon:
        return None
    return name.strip(), argument.strip()


def marked_blocks_in(path: Path) -> Iterator[MarkedBlock]:
    tokens = MarkdownIt("commonmark").parse(path.read_text())
    for index, token in enumerate(tokens):
        marker = marker_of(token) if token.type == "html_block" else None
        if marker is None or token.map is None:
            continue
        following = tokens[index + 1] if index + 1 < len(tokens) else None
        fence = (
            following
            if following is not None
            and following.type == "fence"
            and following.map is not None
            and following.map[0] == token.map[1]
            else None
        )
        yield MarkedBlock(
            path=path,
            line=token.map[0] + 1,
            name=marker[0],
            argument=marker[1],
            language=fence.info.strip() if fence else None,
            code=fence.content if fence else "",
        )


def marked_blocks(root: Path = REPO_ROOT) -> list[MarkedBlock]:
    """Every marked block of the guides, in file order."""
    return [block for path in guide_files(root) for block in marked_blocks_in(path)]


def runnable_blocks(stack: str) -> list[MarkedBlock]:
    return [
        block for block in marked_blocks() if block.name == RUNNABLE and block.argument == stack
    ]


def doc_block(marker: str) -> str:
    """The shell block right after `<!-- MARKER: ... -->`, wherever in the guides it is."""
    found = [block for block in marked_blocks() if block.name == marker]
    assert len(found) == 1, f"{len(found)} blocks are marked {marker!r}: {found}"
    assert found[0].language == "bash", f"{found[0].location}: no ```bash block follows"
    return found[0].code
