# The ECS Fargate cluster, three task definitions and two services:
#   order-system-<env>-backend   the API (uvicorn on 8000) behind /api/* and /health
#   order-system-<env>-frontend  Next.js on 3000 behind everything else
#   order-system-<env>-migrate   `python -m app.prestart` once, run by deploy.sh before each rollout
#
# Configuration reaches the containers in two ways only: `environment` for plain settings and
# `secrets` (valueFrom = a Secrets Manager ARN) for everything secret.
#
# Releases: Terraform registers each task definition with var.backend_image_tag and
# var.frontend_image_tag. For every release deploy.sh registers a copy with the image it pushed,
# runs the migration from it and points the services at it; the services ignore
# task_definition, so a later `terraform apply` never rolls a release back.

resource "aws_ecs_cluster" "main" {
  name = local.name

  setting {
    name  = "containerInsights"
    value = "enabled"
  }
}

resource "aws_ecs_cluster_capacity_providers" "main" {
  cluster_name       = aws_ecs_cluster.main.name
  capacity_providers = ["FARGATE"]

  default_capacity_provider_strategy {
    capacity_provider = "FARGATE"
    weight            = 1
  }
}

locals {
  backend_image  = "${local.ecr_repository_urls.backend}:${var.backend_image_tag}"
  frontend_image = "${local.ecr_repository_urls.frontend}:${var.frontend_image_tag}"

  # Plain settings of the backend and the migration (server/app/core/config.py). Nothing secret:
  # those are in backend_secrets.
  backend_environment = [
    { name = "ENVIRONMENT", value = "production" },
    { name = "API_PORT", value = tostring(local.backend_port) },
    { name = "POSTGRES_SERVER", value = aws_db_instance.postgres.address },
    { name = "POSTGRES_PORT", value = tostring(local.postgres_port) },
    { name = "POSTGRES_DB", value = var.db_name },
    { name = "POSTGRES_USER", value = var.db_username },
    { name = "FIRST_SUPERUSER", value = var.first_superuser },
    { name = "FIRST_SUPERUSER_EMAIL", value = var.first_superuser_email },
    { name = "ALLOW_REGISTRATION", value = tostring(var.allow_registration) },
    { name = "CURRENCY", value = var.currency },
    { name = "BUSINESS_TIMEZONE", value = var.business_timezone },
    { name = "BACKEND_CORS_ORIGINS", value = join(",", var.backend_cors_origins) },
    { name = "LOG_LEVEL", value = var.log_level },
    # What one customer may hold and ask for (.env.example explains each).
    { name = "PENDING_ORDER_TTL_SECONDS", value = tostring(var.pending_order_ttl_seconds) },
    { name = "ORDER_SWEEP_INTERVAL_SECONDS", value = tostring(var.order_sweep_interval_seconds) },
    { name = "MAX_PENDING_ORDERS_PER_USER", value = tostring(var.max_pending_orders_per_user) },
    { name = "ORDER_RATE_LIMIT", value = var.order_rate_limit },
    { name = "ORDERS_REQUIRE_SHIPPING_ADDRESS", value = tostring(var.orders_require_shipping_address) },
    # Mail (password resets): none while smtp_host is empty; the login, if any, is in
    # backend_secrets. PUBLIC_URL can't be empty, so without mail it names the ALB, unused.
    { name = "SMTP_HOST", value = var.smtp_host },
    { name = "SMTP_PORT", value = tostring(var.smtp_port) },
    { name = "SMTP_SECURITY", value = var.smtp_security },
    { name = "SMTP_FROM", value = var.smtp_from },
    { name = "PUBLIC_URL", value = coalesce(var.public_url, "https://${aws_lb.main.dns_name}") },
    # uvicorn worker processes per task (server/docker-entrypoint.sh).
    { name = "WEB_CONCURRENCY", value = tostring(var.backend_workers) },
    # uvicorn believes X-Forwarded-For only from these addresses: the ALB's subnets. The login
    # rate limit then counts the client's address, not the load balancer's.
    { name = "FORWARDED_ALLOW_IPS", value = join(",", aws_subnet.public[*].cidr_block) },
  ]

  backend_secrets = [
    for name in local.task_secret_names : {
      name      = name
      valueFrom = aws_secretsmanager_secret.app[name].arn
    }
  ]

  frontend_environment = [
    { name = "NODE_ENV", value = "production" },
    { name = "PORT", value = tostring(local.frontend_port) },
    { name = "HOSTNAME", value = "0.0.0.0" },
    { name = "NEXT_TELEMETRY_DISABLED", value = "1" },
  ]

  # Root filesystems are read-only; /tmp is a small task-local scratch volume (the backend keeps
  # its Prometheus multiprocess files there).
  scratch_volume = "tmp"

  container_defaults = {
    essential              = true
    readonlyRootFilesystem = true
    mountPoints            = [{ sourceVolume = local.scratch_volume, containerPath = "/tmp", readOnly = false }]
    linuxParameters = {
      initProcessEnabled = true
      capabilities       = { drop = ["ALL"] }
    }
  }
}

resource "aws_ecs_task_definition" "backend" {
  family                   = "${local.name}-backend"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = var.backend_cpu
  memory                   = var.backend_memory
  execution_role_arn       = aws_iam_role.ecs_execution.arn
  task_role_arn            = aws_iam_role.backend_task.arn

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = var.cpu_architecture
  }

  volume {
    name = local.scratch_volume
  }

  container_definitions = jsonencode([
    merge(local.container_defaults, {
      name         = "backend"
      image        = local.backend_image
      portMappings = [{ containerPort = local.backend_port, protocol = "tcp" }]
      environment  = local.backend_environment
      secrets      = local.backend_secrets
      stopTimeout  = 30
      logConfiguration = {
        logDriver = "awslogs"
        options = {
          awslogs-group         = aws_cloudwatch_log_group.ecs["backend"].name
          awslogs-region        = local.region
          awslogs-stream-prefix = "backend"
        }
      }
    })
  ])
}

# The same image and settings as the backend, running only the prestart step: wait for the
# database, apply the Alembic migrations, create the first superuser if absent. deploy.sh runs
# it (aws ecs run-task) and waits for exit code 0 before it updates the services.
resource "aws_ecs_task_definition" "migrate" {
  family                   = "${local.name}-migrate"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = var.migrate_cpu
  memory                   = var.migrate_memory
  execution_role_arn       = aws_iam_role.ecs_execution.arn
  task_role_arn            = aws_iam_role.backend_task.arn

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = var.cpu_architecture
  }

  volume {
    name = local.scratch_volume
  }

  container_definitions = jsonencode([
    merge(local.container_defaults, {
      name        = "migrate"
      image       = local.backend_image
      command     = local.migrate_command
      environment = local.backend_environment
      secrets     = local.backend_secrets
      logConfiguration = {
        logDriver = "awslogs"
        options = {
          awslogs-group         = aws_cloudwatch_log_group.ecs["migrate"].name
          awslogs-region        = local.region
          awslogs-stream-prefix = "migrate"
        }
      }
    })
  ])
}

locals {
  migrate_command = ["python", "-m", "app.prestart"]
}

resource "aws_ecs_task_definition" "frontend" {
  family                   = "${local.name}-frontend"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = var.frontend_cpu
  memory                   = var.frontend_memory
  execution_role_arn       = aws_iam_role.ecs_execution.arn
  task_role_arn            = aws_iam_role.frontend_task.arn

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = var.cpu_architecture
  }

  volume {
    name = local.scratch_volume
  }

  # Next.js caches optimised images and fetches here; the rest of the filesystem is read-only.
  volume {
    name = "next-cache"
  }

  container_definitions = jsonencode([
    merge(local.container_defaults, {
      name         = "frontend"
      image        = local.frontend_image
      portMappings = [{ containerPort = local.frontend_port, protocol = "tcp" }]
      environment  = local.frontend_environment
      mountPoints = [
        { sourceVolume = local.scratch_volume, containerPath = "/tmp", readOnly = false },
        { sourceVolume = "next-cache", containerPath = var.frontend_cache_path, readOnly = false },
      ]
      stopTimeout = 30
      logConfiguration = {
        logDriver = "awslogs"
        options = {
          awslogs-group         = aws_cloudwatch_log_group.ecs["frontend"].name
          awslogs-region        = local.region
          awslogs-stream-prefix = "frontend"
        }
      }
    })
  ])
}

resource "aws_ecs_service" "backend" {
  name             = "${local.name}-backend"
  cluster          = aws_ecs_cluster.main.id
  task_definition  = aws_ecs_task_definition.backend.arn
  desired_count    = var.backend_min_count
  launch_type      = "FARGATE"
  platform_version = "LATEST"
  propagate_tags   = "SERVICE"

  # Time for prestart and uvicorn before the ALB's health checks count against a new task.
  health_check_grace_period_seconds  = 120
  deployment_minimum_healthy_percent = 100
  deployment_maximum_percent         = 200

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  network_configuration {
    subnets          = aws_subnet.private[*].id
    security_groups  = [aws_security_group.backend.id]
    assign_public_ip = false
  }

  load_balancer {
    target_group_arn = aws_lb_target_group.backend.arn
    container_name   = "backend"
    container_port   = local.backend_port
  }

  lifecycle {
    # Application Auto Scaling owns the count, and deploy.sh the task definition (a revision
    # with the image it pushed), once the service runs.
    ignore_changes = [desired_count, task_definition]
  }

  # The backend target group joins the load balancer through this rule; ECS refuses a target
  # group that is not attached yet.
  depends_on = [aws_lb_listener_rule.backend]
}

resource "aws_ecs_service" "frontend" {
  name             = "${local.name}-frontend"
  cluster          = aws_ecs_cluster.main.id
  task_definition  = aws_ecs_task_definition.frontend.arn
  desired_count    = var.frontend_min_count
  launch_type      = "FARGATE"
  platform_version = "LATEST"
  propagate_tags   = "SERVICE"

  health_check_grace_period_seconds  = 60
  deployment_minimum_healthy_percent = 100
  deployment_maximum_percent         = 200

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  network_configuration {
    subnets          = aws_subnet.private[*].id
    security_groups  = [aws_security_group.frontend.id]
    assign_public_ip = false
  }

  load_balancer {
    target_group_arn = aws_lb_target_group.frontend.arn
    container_name   = "frontend"
    container_port   = local.frontend_port
  }

  lifecycle {
    ignore_changes = [desired_count, task_definition]
  }

  depends_on = [aws_lb_listener.https]
}
