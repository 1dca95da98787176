"""`make seed`: demo data in the development database, through `python -m app.cli seed-demo`.

A small shop by default, always the same one (--seed 1); arguments are passed on and win over
the defaults: `make seed SEED_ARGS="--orders 100000 --seed 7"`. The database is the one
`make api` uses; a local PostgreSQL is started for the seeding and stopped afterwards, or,
when `make dev` already runs it, used and left running.
"""

import subprocess
import sys

from devtools.dev_database import dev_database, load_dev_settings

DEFAULT_ARGUMENTS = ("--products", "200", "--orders", "1000", "--users", "50", "--seed", "1")


def main() -> None:
    settings = load_dev_settings()
    try:
        with dev_database(settings) as database:
            subprocess.run(
                # Click keeps the last value of a repeated option: the caller's.
                [sys.executable, "-m", "app.cli", "seed-demo", *DEFAULT_ARGUMENTS, *sys.argv[1:]],
                env=database.environment,
                check=True,
            )
    except subprocess.CalledProcessError as error:
        raise SystemExit(error.returncode) from None
    except KeyboardInterrupt:
        raise SystemExit(130) from None


if __name__ == "__main__":
    main()
