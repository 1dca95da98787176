"""Known vulnerabilities in the pinned dependencies, from PyPI's advisory data.

`python -m devtools.audit [constraints.txt]` exits 1 on an advisory that is neither fixed
nor accepted below, and 0 otherwise; PyPI out of reach is a warning, not a finding.

Why not pip-audit: its PyPI service reads each release's JSON (`/pypi/NAME/VERSION/json`),
which the package proxy of our network answers with 404, so it would audit nothing and
pass; its OSV and ecosyste.ms services are out of reach. The project JSON
(`/pypi/NAME/json`) is served, and lists the advisories of the newest release. A pin that
is the newest release is audited exactly; an older one through its release JSON where PyPI
serves it, else it is named as not audited (`make lock` moves pins to the newest releases).
See docs/security.md.
"""

import asyncio
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from packaging.requirements import Requirement

PYPI = "https://pypi.org/pypi"
CONSTRAINTS = Path(__file__).resolve().parents[1] / "constraints.txt"
CONCURRENT_REQUESTS = 8
TIMEOUT_SECONDS = 20.0

# Advisories looked at and accepted, by any of their ids, with the reason (docs/security.md).
ACCEPTED = {
    "GHSA-wj6h-64fc-37mp": (
        "ecdsa: Minerva timing attack on ECDSA signing (CVE-2024-23342), no fixed release. "
        "It comes with python-jose; our tokens are HS256 (HMAC), so ecdsa never signs."
    ),
}


@dataclass(frozen=True)
class Advisory:
    package: str
    version: str
    ids: frozenset[str]
    fixed_in: tuple[str, ...]
    summary: str

    def describe(self) -> str:
        fixed = f"fixed in {', '.join(self.fixed_in)}" if self.fixed_in else "no fix released"
        ids = ", ".join(sorted(self.ids))
        return f"{self.package}=={self.version}: {ids} ({fixed}): {self.summary[:160]}"


def read_pins(path: Path) -> list[tuple[str, str]]:
    pins = []
    for line in path.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            requirement = Requirement(line)
            [specifier] = requirement.specifier
            pins.append((requirement.name, specifier.version))
    return pins


def advisories_of(package: str, version: str, entries: list[dict[str, Any]]) -> list[Advisory]:
    """PyPI's entries as advisories: withdrawn ones dropped, aliases of one merged."""
    advisories: list[Advisory] = []
    for entry in entries:
        if entry.get("withdrawn"):
            continue
        ids = frozenset([entry["id"], *entry.get("aliases", [])])
        if any(ids & advisory.ids for advisory in advisories):
            continue
        summary = (entry.get("summary") or entry.get("details") or "").splitlines()
        advisories.append(
            Advisory(
                package, version, ids, tuple(entry.get("fixed_in", [])), next(iter(summary), "")
            )
        )
    return advisories


def is_accepted(advisory: Advisory) -> bool:
    return not advisory.ids.isdisjoint(ACCEPTED)


async def _entries(client: httpx.AsyncClient, package: str, version: str) -> list[Any] | None:
    """PyPI's advisories for this release, or None where no data for it is served."""
    project = await client.get(f"{PYPI}/{package}/json")
    project.raise_for_status()
    data = project.json()
    if data["info"]["version"] != version:
        release = await client.get(f"{PYPI}/{package}/{version}/json")
        if release.status_code == httpx.codes.NOT_FOUND:
            return None
        release.raise_for_status()
        data = release.json()
    entries: list[Any] = data.get("vulnerabilities") or []
    return entries


async def audit(pins: list[tuple[str, str]]) -> tuple[list[Advisory], list[str]]:
    """Every advisory of the pins, and the pins that couldn't be audited."""
    limit = asyncio.Semaphore(CONCURRENT_REQUESTS)

    async def one(client: httpx.AsyncClient, package: str, version: str) -> list[Any] | None:
        async with limit:
            return await _entries(client, package, version)

    async with httpx.AsyncClient(timeout=TIMEOUT_SECONDS, follow_redirects=True) as client:
        results = await asyncio.gather(*(one(client, *pin) for pin in pins))
    found: list[Advisory] = []
    unaudited: list[str] = []
    for (package, version), entries in zip(pins, results, strict=True):
        if entries is None:
            unaudited.append(f"{package}=={version}")
        else:
            found += advisories_of(package, version, entries)
    return found, unaudited


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else CONSTRAINTS
    pins = read_pins(path)
    try:
        found, unaudited = asyncio.run(audit(pins))
    except httpx.HTTPError as error:
        print(f"audit: WARNING: PyPI did not answer ({error!r}); nothing was audited")
        return
    for pin in unaudited:
        print(f"audit: not audited (an older release, and PyPI serves no data for it): {pin}")
    for advisory in found:
        if is_accepted(advisory):
            print(f"audit: accepted: {advisory.describe()}")
    findings = [advisory for advisory in found if not is_accepted(advisory)]
    for advisory in findings:
        print(f"audit: VULNERABLE: {advisory.describe()}")
    print(f"audit: {len(pins)} pins, {len(findings)} findings, {len(unaudited)} not audited")
    if findings:
        print("audit: upgrade the pin in server/constraints.txt, or accept it in devtools/audit.py")
        sys.exit(1)


if __name__ == "__main__":
    main()
