"""Every relative link in the guides reaches a file, and every `#anchor` one of its headings:
moving a section between guides must not leave a reader at a dead link."""

import re
from collections import Counter
from itertools import pairwise
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from docs_support import REPO_ROOT, guide_files
from markdown_it import MarkdownIt
from markdown_it.token import Token

# Guides outside docs/ that the front door and the docs link to.
OTHER_GUIDES = ("cloud-deployment/README.md", "front/README.md", "nginx/ssl/README.md")
MARKDOWN = MarkdownIt("commonmark").enable("table")


def _inline_tokens(path: Path) -> list[Token]:
    return [token for token in MARKDOWN.parse(path.read_text()) if token.type == "inline"]


def heading_anchors(path: Path) -> set[str]:
    """The anchors GitHub gives a file's headings: lower case, punctuation dropped, spaces as
    hyphens, repeats numbered."""
    tokens = MARKDOWN.parse(path.read_text())
    seen: Counter[str] = Counter()
    anchors = set()
    for heading, inline in pairwise(tokens):
        if heading.type != "heading_open":
            continue
        text = "".join(child.content for child in inline.children or [])
        slug = re.sub(r"[^\w\- ]", "", text.lower()).replace(" ", "-")
        anchors.add(f"{slug}-{seen[slug]}" if seen[slug] else slug)
        seen[slug] += 1
    return anchors


def relative_links(path: Path) -> list[str]:
    return [
        str(child.attrs["href"])
        for inline in _inline_tokens(path)
        for child in inline.children or []
        if child.type == "link_open" and not urlsplit(str(child.attrs["href"])).scheme
    ]


GUIDES = [*guide_files(), *(REPO_ROOT / name for name in OTHER_GUIDES)]


@pytest.mark.parametrize("guide", GUIDES, ids=lambda path: str(path.relative_to(REPO_ROOT)))
def test_relative_links_reach_their_file_and_heading(guide: Path) -> None:
    broken = []
    for href in relative_links(guide):
        target, _, anchor = unquote(href).partition("#")
        target_path = (guide.parent / target).resolve() if target else guide
        if not target_path.exists():
            broken.append(f"{href}: no such file")
        elif anchor and target_path.suffix == ".md" and anchor not in heading_anchors(target_path):
            broken.append(f"{href}: no heading with this anchor")
    assert not broken, f"{guide.relative_to(REPO_ROOT)}: {broken}"


def test_anchors_follow_github() -> None:
    guide = REPO_ROOT / "docs" / "testing.md"
    assert "the-guides-commands" in heading_anchors(guide)
