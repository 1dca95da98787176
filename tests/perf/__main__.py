"""`python -m perf bench ...` or `python -m perf soak ...` (PYTHONPATH=tests:tests/nginx)."""

import sys

from . import bench, soak

COMMANDS = {"bench": bench.main, "soak": soak.main}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        sys.exit(f"usage: python -m perf {{{'|'.join(COMMANDS)}}} [--help]")
    sys.exit(COMMANDS[sys.argv[1]](sys.argv[2:]))
