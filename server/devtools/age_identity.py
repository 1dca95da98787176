"""An operator's age key pair, made with `age-keygen` (the Debian package `age`), for the
off-site backup tests and the restore drill."""

import shutil
import subprocess
from pathlib import Path


def new_age_identity(directory: Path) -> tuple[Path, str]:
    """A new identity file (the private key, which the operator keeps off the server) in
    `directory`, and its public key (age1...), which the server encrypts to."""
    keygen = shutil.which("age-keygen")
    assert keygen, "age-keygen is not installed: apt-get install age (`make system-deps`)"
    directory.mkdir(parents=True, exist_ok=True)
    identity = directory / "operator-key.txt"
    subprocess.run([keygen, "-o", str(identity)], check=True, capture_output=True)
    public = subprocess.run(
        [keygen, "-y", str(identity)], check=True, capture_output=True, text=True
    )
    return identity, public.stdout.strip()
