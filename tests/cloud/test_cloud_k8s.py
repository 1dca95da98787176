"""cloud-deployment/k8s: each overlay renders with kustomize, every document passes the strict
Kubernetes schema and checkov, and the manifests deploy order_system as intended (probes,
autoscaling, disruption budgets, secrets only by reference, production larger than staging)."""

import ipaddress
from pathlib import Path

import pytest
from cloud_support import (
    K8S_DIR,
    KUBERNETES_VERSION,
    OVERLAYS,
    SECRET_NAME,
    Json,
    checkov_report,
    container,
    cpu_millicores,
    dump_yaml,
    failed_checks,
    kinds,
    memory_mebibytes,
    one,
    overlay_documents,
    pod_spec,
    rendered_overlay,
    run,
    skipped_checks,
    tools_program,
    workloads,
    yaml_documents,
)

from app.core.config import SmtpSecurity, load_settings

BACKEND = "order-system-backend"
FRONTEND = "order-system-frontend"
MIGRATE = "order-system-migrate"
SECRET = "order-system-secrets"
NAMESPACES = {"staging": "order-system-staging", "production": "order-system"}

# Every check skipped (by a checkov.io/skip annotation on the workload), and why.
EXPECTED_SKIPS = {
    "CKV_K8S_35": "the app reads settings from environment variables only",
    "CKV_K8S_43": "images are pinned by immutable tags in the overlays",
}

EXPECTED_KINDS = {
    "Namespace",
    "ServiceAccount",
    "ConfigMap",
    "Service",
    "Deployment",
    "Job",
    "Ingress",
    "HorizontalPodAutoscaler",
    "PodDisruptionBudget",
    "NetworkPolicy",
}


def validate(path: Path) -> tuple[int, str]:
    result = run(
        [
            tools_program("kubernetes-validate"),
            "--strict",
            "--kubernetes-version",
            KUBERNETES_VERSION,
            path,
        ]
    )
    return result.returncode, result.stdout + result.stderr


def env_names(entry: Json) -> set[str]:
    return {variable["name"] for variable in entry.get("env", [])}


# --- Rendering and validators ---------------------------------------------------------------------


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_overlay_renders_the_whole_stack_in_its_namespace(overlay: str) -> None:
    documents = overlay_documents(overlay)
    assert {doc["kind"] for doc in documents} == EXPECTED_KINDS
    namespace = NAMESPACES[overlay]
    assert set(kinds(documents, "Namespace")) == {namespace}
    for doc in documents:
        if doc["kind"] != "Namespace":
            assert doc["metadata"]["namespace"] == namespace, doc["metadata"]
    # Never a Secret: it is created in the cluster from an untracked file.
    assert not kinds(documents, "Secret")


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_rendered_document_passes_strict_schema_validation(
    overlay: str, tmp_path: Path
) -> None:
    manifest = tmp_path / f"{overlay}.yaml"
    manifest.write_text(rendered_overlay(overlay))
    code, output = validate(manifest)
    assert code == 0, output
    assert output.count("passed for resource") == len(overlay_documents(overlay)), output


def test_strict_schema_validation_rejects_an_unknown_field(tmp_path: Path) -> None:
    documents = overlay_documents("production")
    one(documents, "Deployment", BACKEND)["spec"]["replicaCount"] = 3
    manifest = tmp_path / "broken.yaml"
    manifest.write_text(dump_yaml(documents))
    code, output = validate(manifest)
    assert code != 0
    assert "replicaCount" in output


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_checkov_finds_no_failed_check(
    overlay: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    manifest = tmp_path_factory.mktemp(f"checkov-{overlay}") / f"{overlay}.yaml"
    manifest.write_text(rendered_overlay(overlay))
    report = checkov_report("kubernetes", manifest)
    summary = report["summary"]
    assert summary["parsing_errors"] == 0, report["results"]["parsing_errors"]
    assert summary["resource_count"] >= len(overlay_documents(overlay)) - 1, summary
    assert summary["passed"] >= 200, summary
    assert failed_checks(report) == []
    skipped = skipped_checks(report)
    assert set(skipped) == set(EXPECTED_SKIPS)
    for check_id, reasons in skipped.items():
        assert all(len(reason) >= 30 for reason in reasons), (check_id, reasons)


# --- Workloads ------------------------------------------------------------------------------------


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_backend_probes_liveness_without_the_database_and_readiness_with_it(overlay: str) -> None:
    backend = container(one(overlay_documents(overlay), "Deployment", BACKEND), "backend")
    assert backend["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert backend["livenessProbe"]["httpGet"]["path"] == "/livez"
    assert backend["startupProbe"]["httpGet"]["path"] == "/livez"
    for probe in ("readinessProbe", "livenessProbe", "startupProbe"):
        assert backend[probe]["httpGet"]["port"] == "http"
    assert {"name": "http", "containerPort": 8000, "protocol": "TCP"} in backend["ports"]
    # The startup probe leaves prestart (a minute of waiting for the database, then the
    # migrations) time before liveness can restart the pod.
    startup = backend["startupProbe"]
    assert startup["periodSeconds"] * startup["failureThreshold"] >= 120


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_backend_pods_drain_before_the_kubelet_kills_them(overlay: str) -> None:
    """preStop keeps a terminating pod serving until it is out of the endpoints; then uvicorn
    gets GRACEFUL_SHUTDOWN_TIMEOUT for requests in flight, all within the grace period."""
    documents = overlay_documents(overlay)
    deployment = one(documents, "Deployment", BACKEND)
    drain = container(deployment, "backend")["lifecycle"]["preStop"]["sleep"]["seconds"]
    (config,) = kinds(documents, "ConfigMap").values()
    graceful = int(config["data"]["GRACEFUL_SHUTDOWN_TIMEOUT"])
    assert drain > 0
    assert pod_spec(deployment)["terminationGracePeriodSeconds"] > drain + graceful


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_backend_trusts_forwarded_headers_from_the_pod_network_only(overlay: str) -> None:
    (config,) = kinds(overlay_documents(overlay), "ConfigMap").values()
    trusted = [item.strip() for item in config["data"]["FORWARDED_ALLOW_IPS"].split(",")]
    assert "*" not in trusted
    for network in trusted:
        assert ipaddress.ip_network(network).is_private, network


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_frontend_is_probed_and_served_on_3000(overlay: str) -> None:
    frontend = container(one(overlay_documents(overlay), "Deployment", FRONTEND), "frontend")
    for probe in ("readinessProbe", "livenessProbe", "startupProbe"):
        assert frontend[probe]["httpGet"]["port"] == "http"
    assert {"name": "http", "containerPort": 3000, "protocol": "TCP"} in frontend["ports"]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_pod_runs_unprivileged_on_a_read_only_root_with_limits(overlay: str) -> None:
    found = workloads(overlay_documents(overlay))
    assert {doc["metadata"]["name"] for doc in found} == {BACKEND, FRONTEND, MIGRATE}
    for workload in found:
        spec = pod_spec(workload)
        assert spec["securityContext"]["runAsNonRoot"] is True
        assert spec["securityContext"]["runAsUser"] >= 10000
        assert spec["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault"
        assert spec["automountServiceAccountToken"] is False
        for entry in spec["containers"]:
            context = entry["securityContext"]
            assert context["readOnlyRootFilesystem"] is True
            assert context["allowPrivilegeEscalation"] is False
            assert context["capabilities"]["drop"] == ["ALL"]
            assert {"cpu", "memory"} <= set(entry["resources"]["requests"])
            assert {"cpu", "memory"} <= set(entry["resources"]["limits"])
            # The one writable place.
            assert {"name": "tmp", "mountPath": "/tmp"} in entry["volumeMounts"]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_settings_come_from_the_config_map_and_secrets_only_from_the_secret(
    overlay: str,
) -> None:
    documents = overlay_documents(overlay)
    config_maps = kinds(documents, "ConfigMap")
    assert len(config_maps) == 1
    config_name, config = next(iter(config_maps.items()))
    assert config["data"]["ENVIRONMENT"] == "production"
    assert not [key for key in config["data"] if SECRET_NAME.search(key)]
    for name in (BACKEND, MIGRATE):
        kind = "Job" if name == MIGRATE else "Deployment"
        entry = pod_spec(one(documents, kind, name))["containers"][0]
        assert entry["envFrom"] == [
            {"configMapRef": {"name": config_name}},
            {"secretRef": {"name": SECRET}},
        ]
    for workload in workloads(documents):
        for entry in pod_spec(workload)["containers"]:
            for variable in entry.get("env", []):
                if SECRET_NAME.search(variable["name"]):
                    assert "value" not in variable, variable
                    assert variable["valueFrom"]["secretKeyRef"]["name"] == SECRET


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_mail_is_off_until_an_overlay_names_a_server_and_links_go_to_its_host(
    overlay: str,
) -> None:
    documents = overlay_documents(overlay)
    [config] = kinds(documents, "ConfigMap").values()
    data = config["data"]
    host = one(documents, "Ingress", "order-system")["spec"]["rules"][0]["host"]
    assert data["PUBLIC_URL"] == f"https://{host}"
    secrets = {"SECRET_KEY": "k" * 64, "FIRST_SUPERUSER_PASSWORD": "a-long-first-password"}
    # As the pods read it: production settings, and no mail.
    settings = load_settings(**data, **secrets)
    assert not settings.email_enabled
    # An overlay naming a server and a sender, the login from the Secret, sends mail encrypted.
    mail_server = {
        "SMTP_HOST": "email-smtp.us-west-2.amazonaws.com",
        "SMTP_FROM": f"Shop <no-reply@{host}>",
        "SMTP_USERNAME": "login-from-the-secret",
        "SMTP_PASSWORD": "password-from-the-secret",
    }
    mailing = load_settings(**(data | secrets | mail_server))
    assert mailing.email_enabled
    assert mailing.SMTP_SECURITY is SmtpSecurity.STARTTLS
    assert mailing.public_url == f"https://{host}"


def test_secret_example_is_only_a_template_and_not_applied() -> None:
    example = K8S_DIR / "base" / "secret.example.yaml"
    (secret,) = yaml_documents(example.read_text())
    assert secret["kind"] == "Secret"
    assert secret["metadata"]["name"] == SECRET
    assert set(secret["stringData"]) == {
        "SECRET_KEY",
        "FIRST_SUPERUSER_PASSWORD",
        "DATABASE_URL",
        "REDIS_URL",
        "SMTP_USERNAME",
        "SMTP_PASSWORD",
    }
    assert all("<" in value for value in secret["stringData"].values())
    kustomization = yaml_documents((K8S_DIR / "base" / "kustomization.yaml").read_text())[0]
    assert "secret.example.yaml" not in kustomization["resources"]
    assert "secretGenerator" not in kustomization


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_migration_job_runs_prestart_once_with_the_backend_image(overlay: str) -> None:
    documents = overlay_documents(overlay)
    job = one(documents, "Job", MIGRATE)
    migrate = container(job, "migrate")
    assert migrate["args"] == ["python", "-m", "app.prestart"]
    assert "command" not in migrate  # through the image's entrypoint, which runs its arguments
    backend = container(one(documents, "Deployment", BACKEND), "backend")
    assert migrate["image"] == backend["image"]
    assert job["spec"]["backoffLimit"] >= 1
    assert job["spec"]["ttlSecondsAfterFinished"] > 0
    assert job["spec"]["activeDeadlineSeconds"] > 0
    assert pod_spec(job)["restartPolicy"] == "Never"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_images_are_the_registrys_with_a_pinned_tag(overlay: str) -> None:
    for workload in workloads(overlay_documents(overlay)):
        for entry in pod_spec(workload)["containers"]:
            name, _, tag = entry["image"].rpartition(":")
            assert "/" in name, entry["image"]
            assert tag, entry["image"]
            assert tag != "latest", entry["image"]


# --- Scaling and availability ---------------------------------------------------------------------


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_hpa_scales_the_backend_on_cpu(overlay: str) -> None:
    documents = overlay_documents(overlay)
    hpa = one(documents, "HorizontalPodAutoscaler", BACKEND)
    assert hpa["apiVersion"] == "autoscaling/v2"
    assert hpa["spec"]["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": BACKEND,
    }
    assert 1 <= hpa["spec"]["minReplicas"] < hpa["spec"]["maxReplicas"]
    metrics = {metric["resource"]["name"]: metric for metric in hpa["spec"]["metrics"]}
    assert metrics["cpu"]["resource"]["target"]["type"] == "Utilization"
    # The HPA owns the backend's count; a count in the Deployment would fight it on each apply.
    assert "replicas" not in one(documents, "Deployment", BACKEND)["spec"]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_disruption_budgets_cover_backend_and_frontend(overlay: str) -> None:
    documents = overlay_documents(overlay)
    budgets = kinds(documents, "PodDisruptionBudget")
    for name in (BACKEND, FRONTEND):
        budget = budgets[name]
        assert budget["spec"]["maxUnavailable"] == 1
        labels = one(documents, "Deployment", name)["spec"]["template"]["metadata"]["labels"]
        assert budget["spec"]["selector"]["matchLabels"].items() <= labels.items()


def test_production_runs_more_and_larger_than_staging() -> None:
    staging, production = (overlay_documents(name) for name in ("staging", "production"))

    def hpa(documents: list[Json]) -> Json:
        return one(documents, "HorizontalPodAutoscaler", BACKEND)["spec"]

    assert hpa(production)["minReplicas"] > hpa(staging)["minReplicas"]
    assert hpa(production)["maxReplicas"] > hpa(staging)["maxReplicas"]
    assert hpa(production)["minReplicas"] >= 2
    frontend = {
        name: one(documents, "Deployment", FRONTEND)["spec"]["replicas"]
        for name, documents in (("staging", staging), ("production", production))
    }
    assert frontend["production"] > frontend["staging"] >= 1
    for name, container_name in ((BACKEND, "backend"), (FRONTEND, "frontend")):
        small = container(one(staging, "Deployment", name), container_name)["resources"]
        large = container(one(production, "Deployment", name), container_name)["resources"]
        assert cpu_millicores(large["requests"]["cpu"]) > cpu_millicores(small["requests"]["cpu"])
        assert memory_mebibytes(large["limits"]["memory"]) > memory_mebibytes(
            small["limits"]["memory"]
        )


# --- Traffic --------------------------------------------------------------------------------------


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_ingress_sends_api_and_health_to_the_backend_and_the_rest_to_the_frontend(
    overlay: str,
) -> None:
    documents = overlay_documents(overlay)
    ingress = one(documents, "Ingress", "order-system")
    assert ingress["spec"]["ingressClassName"] == "nginx"
    (rule,) = ingress["spec"]["rules"]
    (tls,) = ingress["spec"]["tls"]
    assert tls["hosts"] == [rule["host"]]
    assert tls["secretName"]
    routes = {
        path["path"]: (path["pathType"], path["backend"]["service"]["name"])
        for path in rule["http"]["paths"]
    }
    assert routes == {
        "/api": ("Prefix", BACKEND),
        "/health": ("Exact", BACKEND),
        "/": ("Prefix", FRONTEND),
    }
    services = kinds(documents, "Service")
    for service_name in {target for _, target in routes.values()}:
        assert services[service_name]["spec"]["type"] == "ClusterIP"
    assert services[BACKEND]["spec"]["ports"][0]["port"] == 8000
    assert services[FRONTEND]["spec"]["ports"][0]["port"] == 3000


def test_each_overlay_has_its_own_host_name() -> None:
    hosts = {
        overlay: one(overlay_documents(overlay), "Ingress", "order-system")["spec"]["rules"][0][
            "host"
        ]
        for overlay in OVERLAYS
    }
    assert len(set(hosts.values())) == len(OVERLAYS), hosts


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_network_policies_deny_by_default_and_admit_the_ingress_controller(overlay: str) -> None:
    policies = kinds(overlay_documents(overlay), "NetworkPolicy")
    deny = policies["order-system-default-deny-ingress"]["spec"]
    assert deny["podSelector"] == {}
    assert deny["policyTypes"] == ["Ingress"]
    assert "ingress" not in deny
    backend = policies[BACKEND]["spec"]
    sources = backend["ingress"][0]["from"]
    assert {
        "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "ingress-nginx"}}
    } in sources
    assert backend["ingress"][0]["ports"] == [{"protocol": "TCP", "port": 8000}]
