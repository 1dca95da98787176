# What deploy.sh, DNS and operators need. No secret values: only where the secrets are.

output "alb_dns_name" {
  description = "DNS name of the load balancer: point the site's host name at it (CNAME, or a Route 53 alias with alb_zone_id)."
  value       = aws_lb.main.dns_name
}

output "alb_zone_id" {
  description = "Route 53 hosted zone of the load balancer, for an alias record."
  value       = aws_lb.main.zone_id
}

output "ecr_repository_urls" {
  description = "Image repositories: docker push <url>:<tag>."
  value       = local.ecr_repository_urls
}

output "ecr_backend_repository_url" {
  description = "Repository of the backend image."
  value       = local.ecr_repository_urls.backend
}

output "ecr_frontend_repository_url" {
  description = "Repository of the frontend image."
  value       = local.ecr_repository_urls.frontend
}

output "ecs_cluster_name" {
  description = "ECS cluster, order-system-<environment>."
  value       = aws_ecs_cluster.main.name
}

output "backend_service_name" {
  description = "ECS service of the API, order-system-<environment>-backend."
  value       = aws_ecs_service.backend.name
}

output "frontend_service_name" {
  description = "ECS service of the web frontend, order-system-<environment>-frontend."
  value       = aws_ecs_service.frontend.name
}

output "migrate_task_definition_family" {
  description = "Task definition family of the migration (python -m app.prestart), order-system-<environment>-migrate."
  value       = aws_ecs_task_definition.migrate.family
}

output "private_subnet_ids" {
  description = "Subnets the tasks run in (aws ecs run-task --network-configuration)."
  value       = aws_subnet.private[*].id
}

output "backend_security_group_id" {
  description = "Security group of the backend and migration tasks."
  value       = aws_security_group.backend.id
}

output "rds_endpoint" {
  description = "host:port of the PostgreSQL instance (reachable from the backend tasks only)."
  value       = aws_db_instance.postgres.endpoint
}

output "rds_address" {
  description = "Host name of the PostgreSQL instance."
  value       = aws_db_instance.postgres.address
}

output "redis_primary_endpoint" {
  description = "Primary endpoint of ElastiCache Redis (TLS, AUTH)."
  value       = aws_elasticache_replication_group.redis.primary_endpoint_address
}

output "secret_arns" {
  description = "Secrets Manager ARNs by name (values: aws secretsmanager get-secret-value --secret-id <arn>)."
  value       = { for name, secret in aws_secretsmanager_secret.app : name => secret.arn }
}

output "log_group_names" {
  description = "CloudWatch log groups of the tasks: aws logs tail <name> --follow."
  value       = { for key, group in aws_cloudwatch_log_group.ecs : key => group.name }
}

output "alb_logs_bucket" {
  description = "S3 bucket of the load balancer's access logs."
  value       = aws_s3_bucket.alb_logs.id
}
