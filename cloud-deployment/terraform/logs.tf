# Log groups made here, before anything writes to them, so each has a retention and the KMS key
# (a group AWS creates on first write keeps its logs forever, unencrypted by our key).

resource "aws_cloudwatch_log_group" "ecs" {
  for_each = toset(["backend", "frontend", "migrate"])

  name              = "/ecs/${local.name}/${each.key}"
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.main.arn
}

resource "aws_cloudwatch_log_group" "vpc_flow_logs" {
  name              = "/vpc/${local.name}/flow-logs"
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.main.arn
}

# RDS writes its exported logs to this exact name.
resource "aws_cloudwatch_log_group" "postgres" {
  for_each = toset(local.postgres_log_exports)

  name              = "/aws/rds/instance/${local.name}-postgres/${each.key}"
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.main.arn
}

resource "aws_cloudwatch_log_group" "redis_slow_log" {
  name              = "/elasticache/${local.name}/slow-log"
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.main.arn
}

# WAF only logs to groups whose name starts with aws-waf-logs-.
resource "aws_cloudwatch_log_group" "waf" {
  name              = "aws-waf-logs-${local.name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.main.arn
}
