"""The dependency audit's reading of PyPI's advisories (the requests themselves run in
`make lint`, against PyPI)."""

from pathlib import Path

from devtools.audit import ACCEPTED, advisories_of, is_accepted, read_pins


def entry(advisory_id: str, *aliases: str, withdrawn: str | None = None) -> dict[str, object]:
    return {
        "id": advisory_id,
        "aliases": list(aliases),
        "fixed_in": ["2.0"],
        "summary": "Something bad\nin detail",
        "withdrawn": withdrawn,
    }


def test_aliases_of_one_advisory_are_one_finding() -> None:
    found = advisories_of(
        "pkg", "1.0", [entry("PYSEC-1", "GHSA-a", "CVE-1"), entry("GHSA-a", "PYSEC-1")]
    )
    assert [advisory.ids for advisory in found] == [frozenset({"PYSEC-1", "GHSA-a", "CVE-1"})]
    assert found[0].summary == "Something bad"


def test_a_withdrawn_advisory_is_no_finding() -> None:
    assert advisories_of("pkg", "1.0", [entry("GHSA-b", withdrawn="2026-01-01")]) == []


def test_an_advisory_is_accepted_by_any_of_its_ids() -> None:
    [accepted_id] = ACCEPTED
    [by_alias] = advisories_of("ecdsa", "0.19.2", [entry("PYSEC-x", accepted_id)])
    [other] = advisories_of("pkg", "1.0", [entry("GHSA-other")])
    assert is_accepted(by_alias)
    assert not is_accepted(other)


def test_every_pin_of_the_constraints_is_read(repo_root: Path) -> None:
    constraints = repo_root / "server" / "constraints.txt"
    pins = dict(read_pins(constraints))
    assert len(pins) == len(constraints.read_text().split())
