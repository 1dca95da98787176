"""`make fuzz` explores from a new seed each run and prints it, so a failure it finds can be
replayed with FUZZ_SEED; `make test` replays one fixed seed (fuzz_support.REPLAY)."""

import re
import subprocess
from pathlib import Path

SEED_LINE = re.compile(r"^make fuzz: seed (\d+) \(FUZZ_SEED=(\d+) repeats this run\)$", re.M)


def _make_fuzz_seed(repo_root: Path, *settings: str) -> int:
    """The seed `make fuzz` prints, for a run of its one test that needs no shop."""
    run = subprocess.run(
        # S607: `make` from PATH, as a developer runs it.
        ["make", "-s", "fuzz", "FUZZ_ARGS=-q -p no:cacheprovider -k the_schema_links", *settings],
        cwd=repo_root,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    found = SEED_LINE.search(run.stdout)
    assert found is not None, run.stdout
    assert found.group(1) == found.group(2)
    return int(found.group(1))


def test_make_fuzz_prints_a_new_seed_each_run_and_replays_a_given_one(repo_root: Path) -> None:
    first = _make_fuzz_seed(repo_root)
    second = _make_fuzz_seed(repo_root)

    assert first != second
    assert _make_fuzz_seed(repo_root, f"FUZZ_SEED={first}") == first
