# Every secret is generated here and kept in Secrets Manager, encrypted with the environment's
# KMS key; but the mail server's login (smtp_authentication), which its provider gives you, is
# put in by hand:
#   aws secretsmanager put-secret-value --secret-id order-system/production/SMTP_USERNAME --secret-string "$SMTP_USERNAME"
#   aws secretsmanager put-secret-value --secret-id order-system/production/SMTP_PASSWORD --secret-string "$SMTP_PASSWORD"
# Tasks can't start until both have a value: put them right after the apply that made them. Task definitions receive them through `secrets` (valueFrom = the secret's ARN): ECS
# reads them when a task starts, so they never appear in a task definition, in `terraform plan`
# output or in the console. They do appear in the Terraform state, which is why the state
# bucket is encrypted and private (../README.md).
#
# Read one:   aws secretsmanager get-secret-value --secret-id order-system/production/FIRST_SUPERUSER_PASSWORD --query SecretString --output text
# Change one: terraform apply -replace=random_password.secret_key, then roll the services.

resource "random_password" "secret_key" {
  # Signs the API's access tokens (SECRET_KEY: at least 32 characters in production).
  length  = 64
  special = false
}

resource "random_password" "first_superuser" {
  # FIRST_SUPERUSER_PASSWORD: prestart creates the first superuser with it when absent.
  length           = 24
  special          = true
  override_special = "-_.~!"
}

resource "random_password" "postgres" {
  # The RDS master password. RDS refuses '/', '@', '"' and spaces; letters and digits only also
  # keep it URL-safe.
  length  = 40
  special = false
}

resource "random_password" "redis_auth_token" {
  # ElastiCache AUTH token: 16 to 128 printable characters, no '@', '"' or '/'.
  length  = 64
  special = false
}

locals {
  redis_url = format(
    "rediss://:%s@%s:%d/0",
    random_password.redis_auth_token.result,
    aws_elasticache_replication_group.redis.primary_endpoint_address,
    local.redis_port,
  )

  # Secrets Manager names: order-system/<environment>/<NAME>. Literal lists, since for_each
  # may not take its keys from the sensitive values below.
  generated_secret_names = ["SECRET_KEY", "FIRST_SUPERUSER_PASSWORD", "POSTGRES_PASSWORD", "REDIS_AUTH_TOKEN", "REDIS_URL"]
  # Secrets whose values you put (above); Terraform makes them and never reads them.
  put_secret_names = var.smtp_authentication ? ["SMTP_USERNAME", "SMTP_PASSWORD"] : []
  secret_names     = concat(local.generated_secret_names, local.put_secret_names)

  secret_values = {
    SECRET_KEY               = random_password.secret_key.result
    FIRST_SUPERUSER_PASSWORD = random_password.first_superuser.result
    POSTGRES_PASSWORD        = random_password.postgres.result
    REDIS_AUTH_TOKEN         = random_password.redis_auth_token.result
    REDIS_URL                = local.redis_url
  }

  # The ones the backend and migration containers receive, under these same variable names:
  # the execution role may read exactly these.
  task_secret_names = concat(["SECRET_KEY", "FIRST_SUPERUSER_PASSWORD", "POSTGRES_PASSWORD", "REDIS_URL"], local.put_secret_names)
}

resource "aws_secretsmanager_secret" "app" {
  #checkov:skip=CKV2_AWS_57:Tasks read secrets once at start, so automatic rotation would break running tasks (a rotated POSTGRES_PASSWORD locks them out). Rotation is a deliberate step: terraform apply -replace, then deploy.sh rolls the services (README "Rotate a secret").
  for_each = toset(local.secret_names)

  name                    = "${local.project}/${var.environment}/${each.key}"
  description             = "${local.name}: ${each.key}"
  kms_key_id              = aws_kms_key.main.arn
  recovery_window_in_days = var.secret_recovery_window_days
}

resource "aws_secretsmanager_secret_version" "app" {
  for_each = toset(local.generated_secret_names)

  secret_id     = aws_secretsmanager_secret.app[each.key].id
  secret_string = local.secret_values[each.key]
}
