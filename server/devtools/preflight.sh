#!/usr/bin/env bash
# The pre-flight check of `make dev`, `make test` and the targets that make the virtualenvs:
# names everything missing at once, each with its one-line fix, before anything long runs.
#
# Usage: preflight.sh [python] [node]
#   python  python3 at the version server/pyproject.toml requires, able to make virtualenvs
#   node    Node.js at the version front/package.json requires, and npm
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# The minimums come from the files that state them: `requires-python = ">=3.11"` and
# `"node": ">=20.19"`.
python_min=$(sed -n 's/^requires-python = ">=\([0-9.]*\)"$/\1/p' "$root/server/pyproject.toml")
node_min=$(sed -n 's/^ *"node": ">=\([0-9.]*\)"$/\1/p' "$root/front/package.json")
nodesource="curl -fsSL https://deb.nodesource.com/setup_22.x | sudo -E bash - && sudo apt-get install -y nodejs"
problems=()

# True when version $1 is $2 or newer.
at_least() {
    [ "$(printf '%s\n' "$2" "$1" | sort -V | head -n 1)" = "$2" ]
}

check_python() {
    local version
    if ! command -v python3 >/dev/null; then
        problems+=("python3 is missing (Python $python_min or newer): sudo apt-get install python3 python3-venv")
        return
    fi
    version=$(python3 -c 'import sys; print("%d.%d.%d" % sys.version_info[:3])' 2>/dev/null) || version=unknown
    if ! at_least "$version" "$python_min"; then
        problems+=("python3 is $version; the project needs $python_min or newer: sudo apt-get install python3 (Debian 12, Ubuntu 24.04), or pyenv install $python_min")
    elif ! python3 -c 'import ensurepip' 2>/dev/null; then
        problems+=("python3 $version can't make virtualenvs (no ensurepip): sudo apt-get install python3-venv")
    fi
}

check_node() {
    local version
    if ! command -v node >/dev/null; then
        problems+=("Node.js is missing (version $node_min or newer): $nodesource")
    else
        version=$(node --version 2>/dev/null) || version=unknown
        version=${version#v}
        if ! at_least "$version" "$node_min"; then
            problems+=("Node.js is $version; the SPA needs $node_min or newer: $nodesource")
        fi
    fi
    if ! command -v npm >/dev/null; then
        problems+=("npm is missing: sudo apt-get install npm (NodeSource's nodejs includes it)")
    fi
}

for check in "$@"; do
    case "$check" in
        python) check_python ;;
        node) check_node ;;
        *) echo "preflight.sh: unknown check '$check' (python, node)" >&2; exit 2 ;;
    esac
done

if [ "${#problems[@]}" -gt 0 ]; then
    echo "Missing before this can run:" >&2
    printf '  - %s\n' "${problems[@]}" >&2
    exit 1
fi
