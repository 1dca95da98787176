"""cloud-deployment/terraform: formatted, clean under checkov, and shaped as the deployment needs
(routing, a private encrypted database, secrets only through Secrets Manager, the migration
task deploy.sh runs, the names deploy.sh uses)."""

import re
from pathlib import Path
from typing import get_args

import pytest
from cloud_support import (
    DEPLOY_SCRIPT,
    SECRET_NAME,
    TERRAFORM_DIR,
    Json,
    all_blocks,
    bare,
    block,
    checkov_report,
    data_sources,
    expression,
    failed_checks,
    for_environment,
    locals_,
    mapping,
    parse_hcl_file,
    references,
    resource,
    resources,
    skipped_checks,
    strings,
    terraform_files,
    terraform_fmt_check,
    variable_default,
    variables,
)
from helpers import TESTS_POSTGRES_MAJOR
from pydantic import SecretStr

from app.core.config import Settings

# Every check skipped in the code, and why; a new skip has to be added here on purpose.
EXPECTED_SKIPS = {
    "CKV_AWS_18": "the ALB log bucket would need its own access-log bucket",
    "CKV_AWS_109": "KMS key policy: Resource * means the key itself",
    "CKV_AWS_111": "KMS key policy: Resource * means the key itself",
    "CKV_AWS_144": "ALB access logs need no cross-region replica",
    "CKV_AWS_145": "ALB access logs can only go to SSE-S3 buckets",
    "CKV_AWS_260": "port 80 only redirects to HTTPS",
    "CKV_AWS_356": "KMS key policy: Resource * means the key itself",
    "CKV_AWS_378": "TLS ends at the ALB; targets are private",
    "CKV2_AWS_57": "rotation is a deliberate apply + redeploy: tasks read secrets at start",
    "CKV2_AWS_62": "nothing consumes events of the log bucket",
}

MIGRATE_COMMAND = ["python", "-m", "app.prestart"]
TASK_SECRETS = {"SECRET_KEY", "FIRST_SUPERUSER_PASSWORD", "POSTGRES_PASSWORD", "REDIS_URL"}


def environment_entries(local_name: str) -> list[Json]:
    entries = locals_()[local_name]
    assert isinstance(entries, list), f"local.{local_name} is not a literal list: {entries!r}"
    return entries


def default_true(value: Json) -> bool:
    """True for the literal `true` and for `var.x` whose default is true."""
    if value is True:
        return True
    match = re.fullmatch(r"\$\{var\.(\w+)\}", str(value))
    return match is not None and variable_default(match.group(1)) is True


# --- Tools ----------------------------------------------------------------------------------------


def test_terraform_files_are_formatted() -> None:
    result = terraform_fmt_check(TERRAFORM_DIR)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_format_check_names_each_unformatted_file_and_its_first_difference(
    tmp_path: Path,
) -> None:
    (tmp_path / "module").mkdir()
    (tmp_path / "module" / "main.tf").write_text(
        'variable "region" {\n  type = string\n  default     = "eu-west-1"\n}\n'
    )
    (tmp_path / "formatted.tf").write_text((TERRAFORM_DIR / "versions.tf").read_text())
    result = terraform_fmt_check(tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stdout.splitlines() == [
        f"{tmp_path}/module/main.tf is not formatted (terraform fmt rewrites it):",
        '  line 2: "  type = string"',
        '  formatted: "  type    = string"',
    ]


def test_checkov_finds_no_failed_check() -> None:
    report = checkov_report("terraform", TERRAFORM_DIR)
    summary = report["summary"]
    # checkov exits 0 on files it cannot parse: prove it read them all.
    assert summary["parsing_errors"] == 0, report["results"]["parsing_errors"]
    assert report["results"]["parsing_errors"] == []
    assert summary["resource_count"] >= 80, summary
    assert summary["passed"] >= 250, summary
    assert failed_checks(report) == []


def test_every_checkov_skip_is_expected_and_justified_in_the_code() -> None:
    skipped = skipped_checks(checkov_report("terraform", TERRAFORM_DIR))
    assert set(skipped) == set(EXPECTED_SKIPS)
    for check_id, reasons in skipped.items():
        assert all(len(reason) >= 30 for reason in reasons), (check_id, reasons)


def test_every_file_parses_and_holds_the_expected_concerns() -> None:
    names = set(terraform_files())
    assert {
        "versions.tf",
        "variables.tf",
        "outputs.tf",
        "network.tf",
        "ecr.tf",
        "ecs.tf",
        "alb.tf",
        "rds.tf",
        "redis.tf",
        "secrets.tf",
        "iam.tf",
        "logs.tf",
        "autoscaling.tf",
    } <= names


# --- Versions, variables, outputs ------------------------------------------------------------


def test_terraform_and_providers_are_pinned_with_an_example_remote_state() -> None:
    terraform = block(terraform_files()["versions.tf"], "terraform")
    assert terraform["required_version"].startswith(">=")
    providers = block(terraform, "required_providers")
    for name in ("aws", "random"):
        provider = providers[name]
        provider = provider[0] if isinstance(provider, list) else provider
        assert provider["source"] == f"hashicorp/{name}"
        assert re.fullmatch(r"~> \d+\.\d+", provider["version"]), provider
    # The S3 backend is an example, commented out, with encryption and locking.
    text = (TERRAFORM_DIR / "versions.tf").read_text()
    assert re.search(r'^\s*# backend "s3" \{', text, re.M)
    assert re.search(r"^\s*#\s+encrypt\s+= true", text, re.M)
    assert re.search(r"^\s*#\s+use_lockfile = true", text, re.M)
    assert "backend" not in terraform


def test_every_variable_is_described_and_none_holds_a_secret() -> None:
    declared = variables()
    assert len(declared) >= 30
    for name, variable in declared.items():
        assert len(str(variable.get("description", ""))) >= 15, f"{name}: no description"
        assert not re.search(r"password|passwd|token|secret_key|private_key", name), name
        assert "sensitive" not in variable, f"{name}: secrets are generated, not passed in"


def test_variables_that_take_a_fixed_form_are_validated() -> None:
    declared = variables()
    for name in (
        "environment",
        "certificate_arn",
        "db_engine_version",
        "db_backup_retention_days",
        "log_retention_days",
        "availability_zone_suffixes",
        "backend_cpu",
        "redis_num_cache_clusters",
    ):
        assert all_blocks(declared[name], "validation"), f"{name} has no validation"
    assert re.fullmatch(rf"{TESTS_POSTGRES_MAJOR}(\.\d+)?", variable_default("db_engine_version"))


def test_tfvars_example_sets_every_required_variable_and_only_declared_ones() -> None:
    example = parse_hcl_file(TERRAFORM_DIR / "terraform.tfvars.example")
    declared = variables()
    required = {name for name, variable in declared.items() if "default" not in variable}
    assert required == {"environment", "certificate_arn", "first_superuser_email"}
    assert required <= set(example)
    assert set(example) <= set(declared), set(example) - set(declared)
    assert not any(SECRET_NAME.search(name) for name in example)


def test_outputs_describe_what_deploy_and_dns_need() -> None:
    outputs: dict[str, Json] = {}
    for entry in terraform_files()["outputs.tf"]["output"]:
        outputs.update(entry)
    assert {
        "alb_dns_name",
        "ecr_backend_repository_url",
        "ecr_frontend_repository_url",
        "ecs_cluster_name",
        "backend_service_name",
        "frontend_service_name",
        "migrate_task_definition_family",
        "rds_endpoint",
    } <= set(outputs)
    for name, output in outputs.items():
        assert output.get("description"), f"output {name} has no description"
        assert not references(output["value"], "random_password"), name
        assert not references(output["value"], "secret_string"), name


# --- Network and load balancer --------------------------------------------------------------------


def test_vpc_has_public_private_and_database_subnets_over_two_zones_with_nat() -> None:
    suffixes = variable_default("availability_zone_suffixes")
    assert len(suffixes) >= 2
    zones = data_sources("aws_availability_zones")["selected"]
    assert block(zones, "filter")["name"] == "zone-name"
    for tier in ("public", "private", "database"):
        subnet = resource("aws_subnet", tier)
        assert references(subnet["count"], "length(local.azs)")
    assert resource("aws_subnet", "public")["map_public_ip_on_launch"] is False
    private_route = block(resource("aws_route_table", "private"), "route")
    assert references(private_route["nat_gateway_id"], "aws_nat_gateway.main")
    # The database tier has no way out at all.
    assert "route" not in resource("aws_route_table", "database")
    assert resource("aws_nat_gateway", "main")


def test_api_and_health_go_to_the_backend_and_the_rest_to_the_frontend() -> None:
    rule = resource("aws_lb_listener_rule", "backend")
    assert references(rule["listener_arn"], "aws_lb_listener.https.arn")
    patterns = strings(block(block(rule, "condition"), "path_pattern")["values"])
    assert {"/api/*", "/health"} <= set(patterns)
    action = block(rule, "action")
    assert action["type"] == "forward"
    assert references(action["target_group_arn"], "aws_lb_target_group.backend.arn")

    https = resource("aws_lb_listener", "https")
    assert https["protocol"] == "HTTPS"
    assert https["port"] == 443
    assert references(https["certificate_arn"], "var.certificate_arn")
    assert https["ssl_policy"].startswith("ELBSecurityPolicy-TLS13")
    default = block(https, "default_action")
    assert references(default["target_group_arn"], "aws_lb_target_group.frontend.arn")


def test_http_only_redirects_to_https() -> None:
    http = resource("aws_lb_listener", "http")
    assert http["port"] == 80
    action = block(http, "default_action")
    assert action["type"] == "redirect"
    redirect = block(action, "redirect")
    assert redirect["protocol"] == "HTTPS"
    assert str(redirect["port"]) == "443"
    assert redirect["status_code"] == "HTTP_301"


def test_backend_target_group_is_health_checked_on_readiness() -> None:
    backend = resource("aws_lb_target_group", "backend")
    assert references(backend["port"], "local.backend_port")
    assert locals_()["backend_port"] == 8000
    assert backend["target_type"] == "ip"
    health = block(backend, "health_check")
    assert health["path"] == "/readyz"
    assert str(health["matcher"]) == "200"
    frontend = resource("aws_lb_target_group", "frontend")
    assert references(frontend["port"], "local.frontend_port")
    assert locals_()["frontend_port"] == 3000


def test_load_balancer_drops_invalid_headers_logs_and_sits_behind_the_waf() -> None:
    alb = resource("aws_lb", "main")
    assert alb["drop_invalid_header_fields"] is True
    assert block(alb, "access_logs")["enabled"] is True
    assert default_true(alb["enable_deletion_protection"])
    association = resource("aws_wafv2_web_acl_association", "alb")
    assert references(association["resource_arn"], "aws_lb.main.arn")


# --- Data stores ----------------------------------------------------------------------------------


def test_database_is_private_encrypted_backed_up_and_protected() -> None:
    db = resource("aws_db_instance", "postgres")
    assert db["engine"] == "postgres"
    assert db["publicly_accessible"] is False
    assert db["storage_encrypted"] is True
    assert references(db["kms_key_id"], "aws_kms_key.main.arn")
    assert default_true(db["deletion_protection"])
    assert default_true(db["multi_az"])
    assert db["skip_final_snapshot"] is False
    retention = re.fullmatch(r"\$\{var\.(\w+)\}", db["backup_retention_period"])
    assert retention, db["backup_retention_period"]
    assert variable_default(retention.group(1)) >= 7
    assert references(db["db_subnet_group_name"], "aws_db_subnet_group.postgres.name")
    subnet_group = resource("aws_db_subnet_group", "postgres")
    assert references(subnet_group["subnet_ids"], "aws_subnet.database")
    assert references(db["password"], "random_password.postgres.result")
    # TLS is required by the parameter group.
    parameters = {
        entry["name"]: entry["value"]
        for entry in all_blocks(resource("aws_db_parameter_group", "postgres"), "parameter")
    }
    assert parameters["rds.force_ssl"] == "1"


def test_the_database_preloads_pg_stat_statements_at_the_next_reboot() -> None:
    parameters = {
        entry["name"]: entry
        for entry in all_blocks(resource("aws_db_parameter_group", "postgres"), "parameter")
    }
    preload = parameters["shared_preload_libraries"]
    assert "pg_stat_statements" in preload["value"].split(",")
    # A library loads only at server start: RDS refuses `immediate` for this parameter.
    assert preload["apply_method"] == "pending-reboot"
    assert parameters["pg_stat_statements.track"]["value"] in {"top", "all"}


def test_database_and_redis_admit_only_the_backend_tasks() -> None:
    db = resource("aws_db_instance", "postgres")
    assert references(db["vpc_security_group_ids"], "aws_security_group.postgres.id")
    redis = resource("aws_elasticache_replication_group", "redis")
    assert references(redis["security_group_ids"], "aws_security_group.redis.id")
    ingress = resources("aws_vpc_security_group_ingress_rule")
    for group in ("postgres", "redis"):
        rules = [
            rule
            for rule in ingress.values()
            if references(rule["security_group_id"], f"aws_security_group.{group}.id")
        ]
        assert rules, group
        for rule in rules:
            assert "cidr_ipv4" not in rule, rule
            assert references(rule["referenced_security_group_id"], "aws_security_group.backend")
    for name, rule in ingress.items():
        if "cidr_ipv4" in rule:
            assert references(rule["security_group_id"], "aws_security_group.alb.id"), name


def test_redis_encrypts_in_transit_and_at_rest_with_an_auth_token() -> None:
    redis = resource("aws_elasticache_replication_group", "redis")
    assert redis["transit_encryption_enabled"] is True
    assert redis["at_rest_encryption_enabled"] is True
    assert redis["automatic_failover_enabled"] is True
    assert references(redis["auth_token"], "random_password.redis_auth_token.result")
    assert "REDIS_AUTH_TOKEN" in locals_()["generated_secret_names"]
    assert references(locals_()["redis_url"], "rediss://")


# --- Secrets and tasks ----------------------------------------------------------------------------


def test_secrets_are_generated_into_secrets_manager_encrypted_with_the_key() -> None:
    secret = resource("aws_secretsmanager_secret", "app")
    assert references(secret["for_each"], "local.secret_names")
    assert references(secret["kms_key_id"], "aws_kms_key.main.arn")
    assert bare(locals_()["secret_names"]) == (
        "concat(local.generated_secret_names,local.put_secret_names)"
    )
    names = set(locals_()["generated_secret_names"])
    assert names >= TASK_SECRETS | {"REDIS_AUTH_TOKEN"}
    version = resource("aws_secretsmanager_secret_version", "app")
    assert references(version["for_each"], "local.generated_secret_names")
    assert references(version["secret_string"], "local.secret_values[each.key]")
    # Every value is generated, none typed in.
    values = expression(locals_()["secret_values"])
    assert "var." not in values
    for text in (TERRAFORM_DIR / name for name in terraform_files()):
        assert not re.search(r"(password|secret_string|auth_token)\s*=\s*\"", text.read_text())


def test_containers_get_secrets_only_through_secrets_manager() -> None:
    for local_name in ("backend_environment", "frontend_environment"):
        for entry in environment_entries(local_name):
            assert not SECRET_NAME.search(entry["name"]), (local_name, entry)
            assert not references(entry["value"], "random_password"), entry
            assert not references(entry["value"], "secretsmanager"), entry
    secrets = expression(locals_()["backend_secrets"])
    assert "local.task_secret_names" in secrets
    assert "valueFrom" in secrets
    assert "aws_secretsmanager_secret.app[name].arn" in secrets
    task_secrets = bare(locals_()["task_secret_names"])
    listed = re.fullmatch(r"concat\(\[([A-Z_,]+)\],local\.put_secret_names\)", task_secrets)
    assert listed, task_secrets
    assert set(listed.group(1).split(",")) == TASK_SECRETS

    definitions = resources("aws_ecs_task_definition")
    assert set(definitions) == {"backend", "frontend", "migrate"}
    for name, definition in definitions.items():
        containers = bare(definition["container_definitions"])
        environment = "frontend_environment" if name == "frontend" else "backend_environment"
        assert re.search(rf"environment[:=]local\.{environment}\b", containers), containers
        if name == "frontend":
            assert "secrets" not in containers
        else:
            assert re.search(r"secrets[:=]local\.backend_secrets\b", containers), containers


def test_the_mail_servers_login_is_put_into_secrets_manager_by_hand_when_it_wants_one() -> None:
    # Its provider gives it: no variable takes it, no version resource writes it.
    assert bare(locals_()["put_secret_names"]) == (
        "var.smtp_authentication?[SMTP_USERNAME,SMTP_PASSWORD]:[]"
    )
    assert variable_default("smtp_authentication") is False
    assert not {"SMTP_USERNAME", "SMTP_PASSWORD"} & set(locals_()["generated_secret_names"])
    secrets_tf = (TERRAFORM_DIR / "secrets.tf").read_text()
    for name in ("SMTP_USERNAME", "SMTP_PASSWORD"):
        assert f"put-secret-value --secret-id order-system/production/{name}" in secrets_tf


def test_every_secret_setting_of_the_app_reaches_the_tasks_from_secrets_manager_only() -> None:
    secret_settings = {
        name
        for name, field in Settings.model_fields.items()
        if SecretStr in (field.annotation, *get_args(field.annotation))
    }
    assert {"SECRET_KEY", "POSTGRES_PASSWORD", "SMTP_PASSWORD"} <= secret_settings
    environment = {entry["name"] for entry in environment_entries("backend_environment")}
    assert not secret_settings & environment
    task_secrets = bare(locals_()["task_secret_names"]) + bare(locals_()["put_secret_names"])
    # DATABASE_URL is left to the app, which composes it from POSTGRES_*.
    for name in secret_settings - {"DATABASE_URL"}:
        assert re.search(rf"\b{name}\b", task_secrets), name


def test_the_backend_mails_through_smtp_host_only_when_it_is_set() -> None:
    environment = {
        entry["name"]: bare(entry["value"]) for entry in environment_entries("backend_environment")
    }
    assert environment["SMTP_HOST"] == "var.smtp_host"
    assert environment["SMTP_PORT"] == "tostring(var.smtp_port)"
    assert environment["SMTP_SECURITY"] == "var.smtp_security"
    assert environment["SMTP_FROM"] == "var.smtp_from"
    # Never empty, which the app would refuse: the ALB's name while no mail links to it.
    assert environment["PUBLIC_URL"] == "coalesce(var.public_url,https://aws_lb.main.dns_name)"
    assert variable_default("smtp_host") == ""
    for name in ("smtp_port", "smtp_security", "smtp_from", "public_url"):
        assert all_blocks(variables()[name], "validation"), f"{name} has no validation"
    # Unencrypted mail would be refused by the app in production: not offered.
    assert "none" not in bare(all_blocks(variables()["smtp_security"], "validation"))
    egress = resource("aws_vpc_security_group_egress_rule", "backend_smtp")
    assert bare(egress["count"]) == "var.smtp_host==?0:1"
    assert references(egress["security_group_id"], "aws_security_group.backend.id")
    assert bare(egress["from_port"]) == bare(egress["to_port"]) == "var.smtp_port"


def test_execution_role_reads_exactly_the_task_secrets() -> None:
    policy = data_sources("aws_iam_policy_document")["ecs_execution"]
    statements = {entry["sid"]: entry for entry in all_blocks(policy, "statement")}
    read = statements["ReadTaskSecrets"]
    assert strings(read["actions"]) == ["secretsmanager:GetSecretValue"]
    assert references(read["resources"], "local.task_secret_names")
    assert references(read["resources"], "aws_secretsmanager_secret.app[name].arn")
    decrypt = statements["DecryptTaskSecrets"]
    assert strings(decrypt["actions"]) == ["kms:Decrypt"]
    assert block(decrypt, "condition")["variable"] == "kms:ViaService"
    for sid, statement in statements.items():
        if strings(statement["resources"]) == ["*"]:
            assert strings(statement["actions"]) == ["ecr:GetAuthorizationToken"], sid


def test_migration_task_definition_runs_prestart_with_the_backend_image() -> None:
    migrate = resource("aws_ecs_task_definition", "migrate")
    assert migrate["family"] == "${local.name}-migrate"
    containers = bare(migrate["container_definitions"])
    assert re.search(r"command[:=]local\.migrate_command\b", containers), containers
    assert re.search(r"image[:=]local\.backend_image\b", containers), containers
    assert locals_()["migrate_command"] == MIGRATE_COMMAND
    assert references(migrate["execution_role_arn"], "aws_iam_role.ecs_execution.arn")


def test_services_run_privately_with_rollback_and_keep_deployed_revisions() -> None:
    for name in ("backend", "frontend"):
        service = resource("aws_ecs_service", name)
        assert service["launch_type"] == "FARGATE"
        network = block(service, "network_configuration")
        assert network["assign_public_ip"] is False
        assert references(network["subnets"], "aws_subnet.private")
        breaker = block(service, "deployment_circuit_breaker")
        assert breaker["enable"] is True
        assert breaker["rollback"] is True
        # deploy.sh owns the revision once the service runs: terraform must not roll it back.
        ignored = expression(block(service, "lifecycle")["ignore_changes"])
        assert "task_definition" in ignored
        assert "desired_count" in ignored


def test_both_services_scale_on_cpu() -> None:
    target = resource("aws_appautoscaling_target", "ecs")
    assert references(target["for_each"], "local.scaled_services")
    assert set(mapping(locals_()["scaled_services"])) == {"backend", "frontend"}
    policy = resource("aws_appautoscaling_policy", "cpu")
    assert policy["policy_type"] == "TargetTrackingScaling"
    tracking = block(policy, "target_tracking_scaling_policy_configuration")
    metric = block(tracking, "predefined_metric_specification")
    assert metric["predefined_metric_type"] == "ECSServiceAverageCPUUtilization"


def test_images_are_scanned_and_tags_immutable() -> None:
    repository = resource("aws_ecr_repository", "app")
    assert repository["image_tag_mutability"] == "IMMUTABLE"
    assert block(repository, "image_scanning_configuration")["scan_on_push"] is True
    assert resource("aws_ecr_lifecycle_policy", "app")


def test_every_log_group_has_a_retention_and_the_key() -> None:
    groups = resources("aws_cloudwatch_log_group")
    assert {"ecs", "vpc_flow_logs", "postgres", "waf"} <= set(groups)
    for name, group in groups.items():
        assert references(group["retention_in_days"], "var.log_retention_days"), name
        assert references(group["kms_key_id"], "aws_kms_key.main.arn"), name
    assert variable_default("log_retention_days") >= 30


# --- The names deploy.sh uses ---------------------------------------------------------------------


def deploy_script_default(variable: str) -> str:
    """The default deploy.sh gives a name it takes from `variable`, e.g.
    `${ECS_CLUSTER:-$prefix}` -> `$prefix`."""
    match = re.search(rf"\$\{{{variable}:-([^}}]+)\}}", DEPLOY_SCRIPT.read_text())
    assert match, f"deploy.sh no longer defaults {variable}"
    return match.group(1)


@pytest.mark.parametrize(
    ("variable", "terraform_name"),
    [
        ("ECS_CLUSTER", "cluster"),
        ("ECS_BACKEND_SERVICE", "backend_service"),
        ("ECS_FRONTEND_SERVICE", "frontend_service"),
        ("ECS_MIGRATE_TASK", "migrate_family"),
        ("ECR_BACKEND_REPOSITORY", "backend_repository"),
        ("ECR_FRONTEND_REPOSITORY", "frontend_repository"),
    ],
)
def test_names_match_the_defaults_of_deploy_sh(variable: str, terraform_name: str) -> None:
    assert re.search(r"\bprefix=order-system-\$ENVIRONMENT\b", DEPLOY_SCRIPT.read_text())
    assert locals_()["name"] == "${local.project}-${var.environment}"
    assert locals_()["project"] == "order-system"
    repositories = mapping(locals_()["ecr_repository_names"])
    names = {
        "cluster": resource("aws_ecs_cluster", "main")["name"],
        "backend_service": resource("aws_ecs_service", "backend")["name"],
        "frontend_service": resource("aws_ecs_service", "frontend")["name"],
        "migrate_family": resource("aws_ecs_task_definition", "migrate")["family"],
        "backend_repository": repositories["backend"],
        "frontend_repository": repositories["frontend"],
    }
    for environment in ("staging", "production"):
        assert for_environment(names[terraform_name], environment) == for_environment(
            deploy_script_default(variable), environment
        )
