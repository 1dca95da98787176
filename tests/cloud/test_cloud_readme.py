"""cloud-deployment/README.md: the paths it names exist, the script options it uses are the
scripts' own, and the AWS and Kubernetes names in its commands are the ones the Terraform and
the manifests create."""

import re

import pytest
from cloud_support import (
    CLOUD_DIR,
    K8S_DIR,
    OVERLAYS,
    README,
    REPO_ROOT,
    for_environment,
    locals_,
    one,
    overlay_documents,
    resource,
    run,
)

SCRIPTS = ("deploy.sh", "backup.sh", "restore.sh", "cleanup.sh")
# Files the operator puts in place; never committed.
OPERATOR_FILES = {"nginx/ssl/fullchain.pem", "nginx/ssl/privkey.pem"}


def readme() -> str:
    return README.read_text()


def commands() -> list[str]:
    """The shell lines of the README's code blocks, continuation lines joined."""
    lines: list[str] = []
    for block in re.findall(r"```bash\n(.*?)```", readme(), re.S):
        joined = re.sub(r"\\\n\s*", " ", block)
        lines.extend(line.strip() for line in joined.splitlines() if line.strip())
    return lines


def test_readme_covers_each_path_and_the_choice_between_them() -> None:
    text = readme()
    for heading in ("Which one", "One server with Docker Compose", "AWS", "Kubernetes"):
        assert heading in text, heading
    for step in (
        "deploy.sh docker production",
        "terraform apply",
        "deploy.sh aws production",
        "kubectl apply -k cloud-deployment/k8s/overlays/production",
        "job/order-system-migrate",
        "create secret generic order-system-secrets",
    ):
        assert step in text, step


def test_every_repository_path_it_names_exists() -> None:
    named = set(
        re.findall(
            r"(?<![\w/.-])((?:cloud-deployment|nginx|monitoring|server)/[\w./-]*[\w/]"
            r"|docker-compose[\w.]*\.yml|\.env\.example)",
            readme(),
        )
    )
    assert len(named) >= 10, named
    missing = sorted(path for path in named - OPERATOR_FILES if not (REPO_ROOT / path).exists())
    assert missing == []


@pytest.mark.parametrize("script", SCRIPTS)
def test_script_options_it_uses_are_the_scripts_own(script: str) -> None:
    path = CLOUD_DIR / "scripts" / script
    result = run(["bash", path, "--help"])
    assert result.returncode == 0, result.stderr
    uses = [line for line in commands() if f"scripts/{script}" in line]
    assert uses, f"the README never runs {script}"
    for line in uses:
        command = line.split(f"scripts/{script}", 1)[1].split("|")[0]
        for option in re.findall(r"(?<![\w-])--[a-z][a-z-]*", command):
            assert option in result.stdout, f"{script} has no {option}: {line}"


def test_aws_names_in_its_commands_are_the_ones_terraform_creates() -> None:
    text = readme()
    secret = resource("aws_secretsmanager_secret", "app")
    expected = {
        "cluster": resource("aws_ecs_cluster", "main")["name"],
        "backend service": resource("aws_ecs_service", "backend")["name"],
        "frontend service": resource("aws_ecs_service", "frontend")["name"],
        "migration task": resource("aws_ecs_task_definition", "migrate")["family"],
        "backend task family": resource("aws_ecs_task_definition", "backend")["family"],
        "target group": resource("aws_lb_target_group", "backend")["name"],
        "database": resource("aws_db_instance", "postgres")["identifier"],
        "subnet group": resource("aws_db_subnet_group", "postgres")["name"],
        "security group": resource("aws_security_group", "postgres")["name"],
        "log group": resource("aws_cloudwatch_log_group", "ecs")["name"].replace(
            "${each.key}", "backend"
        ),
        "secret": secret["name"].replace("${each.key}", "FIRST_SUPERUSER_PASSWORD"),
    }
    for what, name in expected.items():
        spelled = for_environment(name, "production")
        assert "${" not in spelled, (what, spelled)
        assert re.search(rf"(?<![\w-]){re.escape(spelled)}(?![\w-])", text), (what, spelled)
    assert "FIRST_SUPERUSER_PASSWORD" in locals_()["generated_secret_names"]
    for repository in ("order-system-backend", "order-system-frontend"):
        assert repository in text


def test_kubernetes_names_in_its_commands_are_the_ones_the_manifests_create() -> None:
    for overlay in OVERLAYS:
        assert (K8S_DIR / "overlays" / overlay / "kustomization.yaml").exists()
    documents = overlay_documents("production")
    (namespace,) = (doc["metadata"]["name"] for doc in documents if doc["kind"] == "Namespace")
    names = {
        "order-system-migrate": "Job",
        "order-system-backend": "Deployment",
        "order-system-frontend": "Deployment",
    }
    for name, kind in names.items():
        one(documents, kind, name)
    text = readme()
    for line in commands():
        if line.startswith("kubectl") and " -n " in line:
            assert f"-n {namespace} " in line, line
        for kind, name in re.findall(r"(?<![\w/-])(job|deployment)/([\w-]+)", line):
            assert name in names, line
            assert names[name].lower() == kind, line
    host = one(documents, "Ingress", "order-system")["spec"]["rules"][0]["host"]
    assert host in text
    assert "order-system-tls" in text
