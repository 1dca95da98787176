"""The operator guides (docs/zh-CN/, docs/troubleshooting.md) name only what exists: every
guide is in the index, every script option and maintenance command they write is one the
script or the CLI has, every setting they name is one the project reads, and every repository
path they name is there. Their runnable blocks are run by the guides' harness; this covers the
commands written in tables and in blocks that can't run in a test (they change data or need a
domain and an account)."""

import os
import re
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest
from ops_support import REPO_ROOT, SCRIPTS_DIR

from app.core.config import Settings

GUIDES_DIR = REPO_ROOT / "docs" / "zh-CN"
GUIDES = (*sorted(GUIDES_DIR.glob("*.md")), REPO_ROOT / "docs" / "troubleshooting.md")
SCRIPTS = tuple(sorted(path.name for path in SCRIPTS_DIR.glob("*.sh") if path.name != "lib.sh"))
# Upper-case words in the guides' commands that are no setting of the project: psql's, Docker's
# and the shell's own variables, and the placeholders the reader fills in.
NOT_SETTINGS = {"ON_ERROR_STOP", "DOCKER_BUILDKIT", "NEW_PASSWORD", "REQUEST_ID", "AWS_REGION"}
# What the operator puts in place and the repository never holds (backups/ is made by hand too).
OPERATOR_FILES = {"nginx/ssl/fullchain.pem", "nginx/ssl/privkey.pem"}


def code(path: Path) -> list[str]:
    """The guide's shell: each line of its code blocks (continuation lines joined) and each
    inline code span outside them."""
    text = path.read_text()
    blocks = re.findall(r"```[a-z]*\n(.*?)```", text, re.S)
    lines = [
        line.strip()
        for block in blocks
        for line in re.sub(r"\\\n\s*", " ", block).splitlines()
        if line.strip()
    ]
    prose = re.sub(r"```[a-z]*\n.*?```", "", text, flags=re.S)
    return lines + re.findall(r"`([^`\n]+)`", prose)


def all_code() -> list[str]:
    return [line for guide in GUIDES for line in code(guide)]


def help_text(*command: str) -> str:
    result = subprocess.run(
        command,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "COLUMNS": "200"},
    )
    return result.stdout


def offers(usage: str, option: str) -> bool:
    """Whether `usage` lists `option` itself, not only a longer one it begins."""
    return re.search(rf"(?<![\w-]){re.escape(option)}(?![\w-])", usage) is not None


@cache
def cli_help(*subcommand: str) -> str:
    return help_text(sys.executable, "-m", "app.cli", *subcommand, "--help")


def test_the_index_links_every_guide_and_the_english_table() -> None:
    index = (GUIDES_DIR / "README.md").read_text()
    for guide in GUIDES_DIR.glob("*.md"):
        if guide.name != "README.md":
            assert f"]({guide.name})" in index, f"the index does not link {guide.name}"
    assert "](../troubleshooting.md)" in index


@pytest.mark.parametrize("script", SCRIPTS)
def test_script_options_the_guides_use_are_the_scripts_own(script: str) -> None:
    usage = help_text("bash", str(SCRIPTS_DIR / script), "--help")
    uses = [line for line in all_code() if f"scripts/{script}" in line]
    assert uses, f"the guides never run {script}"
    for line in uses:
        command = line.split(f"scripts/{script}", 1)[1].split("|")[0].split(">")[0]
        for option in re.findall(r"(?<![\w-])--[a-z][a-z-]*", command):
            assert offers(usage, option), f"{script} has no {option}: {line}"


def test_maintenance_commands_and_options_the_guides_use_exist() -> None:
    # `order-system` the command, not the Kubernetes namespace (`-n order-system`).
    uses = [
        match.group(1)
        for line in all_code()
        if (match := re.search(r"(?<![\w-])(?<!-n )order-system (.+)", line))
    ]
    subcommands = {use.split()[0] for use in uses if not use.startswith("-")}
    assert {"set-password", "stats", "cleanup-orders"} <= subcommands, subcommands
    for use in uses:
        words = use.split()
        if words[0].startswith("-"):
            assert offers(cli_help(), words[0]), use
            continue
        assert re.search(rf"│ {re.escape(words[0])} ", cli_help()), f"no command {words[0]}"
        for option in re.findall(r"(?<![\w-])--[a-z][a-z-]*", use):
            assert offers(cli_help(words[0]), option), f"{words[0]} has no {option}: {use}"


@cache
def known_settings() -> set[str]:
    """Every variable the project reads: the API's settings, .env.example, the Compose files,
    the scripts' help texts and the Makefile."""
    sources = [
        (REPO_ROOT / ".env.example").read_text(),
        (REPO_ROOT / "docker-compose.yml").read_text(),
        (REPO_ROOT / "docker-compose.production.yml").read_text(),
        (REPO_ROOT / "Makefile").read_text(),
        *(help_text("bash", str(SCRIPTS_DIR / script), "--help") for script in SCRIPTS),
    ]
    named = {word for source in sources for word in re.findall(r"\b[A-Z][A-Z0-9_]+\b", source)}
    return named | set(Settings.model_fields)


def test_settings_the_guides_name_are_read_by_the_project() -> None:
    named = {
        word
        for line in all_code()
        for word in re.findall(r"(?<![\w.-])[A-Z][A-Z0-9]*_[A-Z0-9_]*[A-Z0-9](?![\w.-])", line)
    }
    assert {"IMAGE_REGISTRY", "PIP_INDEX_URL", "NPM_CONFIG_REGISTRY", "SECRET_KEY"} <= named
    unknown = sorted(named - known_settings() - NOT_SETTINGS)
    assert unknown == []


def test_every_repository_path_the_guides_name_exists() -> None:
    named = {
        path
        for guide in GUIDES
        for path in re.findall(
            r"(?<![\w/.~-])((?:cloud-deployment|nginx|monitoring|server|front)/[\w./-]*[\w/]"
            r"|docker-compose[\w.]*\.yml|\.env\.example)",
            guide.read_text(),
        )
    }
    assert len(named) >= 20, named
    missing = sorted(path for path in named - OPERATOR_FILES if not (REPO_ROOT / path).exists())
    assert missing == []
