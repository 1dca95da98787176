# Everything an environment chooses. Secrets are not among them: secrets.tf generates each one
# into Secrets Manager. terraform.tfvars.example shows a production file.

# --- Where ---------------------------------------------------------------------------------

variable "aws_region" {
  description = "AWS region of the environment, e.g. us-west-2."
  type        = string
  default     = "us-west-2"

  validation {
    condition     = can(regex("^[a-z]{2}(-gov)?-[a-z]+-[0-9]$", var.aws_region))
    error_message = "aws_region must be a region name such as us-west-2."
  }
}

variable "environment" {
  description = "Environment name, part of every resource name (order-system-<environment>-...) and of the secret names. The application itself always runs with ENVIRONMENT=production."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9]{1,9}$", var.environment))
    error_message = "environment must be 2-10 lowercase letters or digits, starting with a letter (e.g. staging, production): order-system-<environment>-frontend must fit the 32 characters of a target group name."
  }
}

variable "tags" {
  description = "Extra tags on every resource (Project, Environment and ManagedBy are always set)."
  type        = map(string)
  default     = {}
}

# --- Network -------------------------------------------------------------------------------

variable "vpc_cidr" {
  description = "IPv4 CIDR of the VPC, /16 recommended: the public, private and database subnets take 8 more bits each (/24s of a /16)."
  type        = string
  default     = "10.20.0.0/16"

  validation {
    condition     = can(cidrhost(var.vpc_cidr, 0)) && try(tonumber(split("/", var.vpc_cidr)[1]) <= 18, false)
    error_message = "vpc_cidr must be an IPv4 CIDR of /18 or larger (the load balancer needs subnets of at least /27)."
  }
}

variable "availability_zone_suffixes" {
  description = "Letters of the availability zones to spread subnets, tasks, NAT gateways and replicas over: [\"a\", \"b\"] means <aws_region>a and <aws_region>b."
  type        = list(string)
  default     = ["a", "b"]

  validation {
    condition     = length(var.availability_zone_suffixes) >= 2 && length(var.availability_zone_suffixes) <= 3 && alltrue([for suffix in var.availability_zone_suffixes : can(regex("^[a-z]$", suffix))])
    error_message = "availability_zone_suffixes must be 2 or 3 single letters (RDS and the ALB need two zones)."
  }
}

variable "single_nat_gateway" {
  description = "One NAT gateway for all zones instead of one per zone: cheaper, but losing its zone cuts the tasks of the others off from ECR, Secrets Manager and CloudWatch."
  type        = bool
  default     = false
}

variable "allowed_ingress_cidrs" {
  description = "IPv4 CIDRs allowed to reach the load balancer on 443 (and 80, redirected). Narrow it for an internal or staging environment."
  type        = list(string)
  default     = ["0.0.0.0/0"]

  validation {
    condition     = length(var.allowed_ingress_cidrs) > 0 && alltrue([for cidr in var.allowed_ingress_cidrs : can(cidrhost(cidr, 0))])
    error_message = "allowed_ingress_cidrs must be a non-empty list of IPv4 CIDRs."
  }
}

# --- Load balancer -------------------------------------------------------------------------

variable "certificate_arn" {
  description = "ARN of the ACM certificate (in aws_region) for the HTTPS listener, covering the site's host name."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:acm:[a-z0-9-]+:[0-9]{12}:certificate/.+$", var.certificate_arn))
    error_message = "certificate_arn must be an ACM certificate ARN (arn:aws:acm:<region>:<account>:certificate/<id>)."
  }
}

variable "alb_deletion_protection" {
  description = "Refuse to delete the load balancer (turn off before terraform destroy)."
  type        = bool
  default     = true
}

variable "alb_log_retention_days" {
  description = "Days the ALB access logs are kept in their S3 bucket."
  type        = number
  default     = 90

  validation {
    condition     = var.alb_log_retention_days >= 1
    error_message = "alb_log_retention_days must be at least 1."
  }
}

variable "waf_rate_limit_per_5_minutes" {
  description = "Requests one client address may send in 5 minutes before the WAF blocks it for a while."
  type        = number
  default     = 2000

  validation {
    condition     = var.waf_rate_limit_per_5_minutes >= 100
    error_message = "waf_rate_limit_per_5_minutes must be at least 100 (the WAF minimum)."
  }
}

variable "frontend_health_check_path" {
  description = "Path the ALB requests from the frontend tasks; any 2xx or 3xx is healthy."
  type        = string
  default     = "/"

  validation {
    condition     = startswith(var.frontend_health_check_path, "/")
    error_message = "frontend_health_check_path must start with /."
  }
}

# --- Images and tasks ------------------------------------------------------------------------

variable "create_ecr_repositories" {
  description = "Create the order-system-backend and order-system-frontend ECR repositories. They are per account: true in the first environment of an account, false in the others, which then look them up (and pull with their own execution role)."
  type        = bool
  default     = true
}

variable "ecr_keep_images" {
  description = "Images kept per ECR repository; older ones expire (keep enough to roll back)."
  type        = number
  default     = 50

  validation {
    condition     = var.ecr_keep_images >= 5
    error_message = "ecr_keep_images must be at least 5, so there is something to roll back to."
  }
}

variable "backend_image_tag" {
  description = "Tag of the backend image in the task definitions Terraform registers. deploy.sh registers its own revisions with the tag it pushes and points the services at them; Terraform leaves the services' task definition alone after creating them."
  type        = string
  default     = "initial"

  validation {
    condition     = can(regex("^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$", var.backend_image_tag)) && var.backend_image_tag != "latest"
    error_message = "backend_image_tag must be a valid image tag other than latest (tags are immutable)."
  }
}

variable "frontend_image_tag" {
  description = "Tag of the frontend image in the task definition Terraform registers (see backend_image_tag)."
  type        = string
  default     = "initial"

  validation {
    condition     = can(regex("^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$", var.frontend_image_tag)) && var.frontend_image_tag != "latest"
    error_message = "frontend_image_tag must be a valid image tag other than latest (tags are immutable)."
  }
}

variable "cpu_architecture" {
  description = "CPU architecture the images are built for: X86_64 or ARM64 (Graviton, cheaper)."
  type        = string
  default     = "X86_64"

  validation {
    condition     = contains(["X86_64", "ARM64"], var.cpu_architecture)
    error_message = "cpu_architecture must be X86_64 or ARM64."
  }
}

variable "backend_cpu" {
  description = "CPU units of one backend task (1024 = one vCPU)."
  type        = number
  default     = 512

  validation {
    condition     = contains([256, 512, 1024, 2048, 4096], var.backend_cpu)
    error_message = "backend_cpu must be a Fargate size: 256, 512, 1024, 2048 or 4096."
  }
}

variable "backend_memory" {
  description = "Memory (MiB) of one backend task; must fit the CPU size (Fargate's table)."
  type        = number
  default     = 1024

  validation {
    condition     = var.backend_memory >= 512 && var.backend_memory <= 30720
    error_message = "backend_memory must be between 512 and 30720 MiB."
  }
}

variable "frontend_cpu" {
  description = "CPU units of one frontend task (1024 = one vCPU)."
  type        = number
  default     = 256

  validation {
    condition     = contains([256, 512, 1024, 2048, 4096], var.frontend_cpu)
    error_message = "frontend_cpu must be a Fargate size: 256, 512, 1024, 2048 or 4096."
  }
}

variable "frontend_memory" {
  description = "Memory (MiB) of one frontend task; must fit the CPU size (Fargate's table)."
  type        = number
  default     = 512

  validation {
    condition     = var.frontend_memory >= 512 && var.frontend_memory <= 30720
    error_message = "frontend_memory must be between 512 and 30720 MiB."
  }
}

variable "backend_workers" {
  description = "WEB_CONCURRENCY: uvicorn worker processes per backend task; about one per vCPU, at least 2."
  type        = number
  default     = 2

  validation {
    condition     = var.backend_workers >= 1 && var.backend_workers <= 16
    error_message = "backend_workers must be between 1 and 16."
  }
}

variable "frontend_cache_path" {
  description = "Writable cache directory of Next.js in the frontend image (<WORKDIR>/.next/cache); everything else is read-only."
  type        = string
  default     = "/app/.next/cache"

  validation {
    condition     = startswith(var.frontend_cache_path, "/")
    error_message = "frontend_cache_path must be an absolute path."
  }
}

variable "migrate_cpu" {
  description = "CPU units of the migration task."
  type        = number
  default     = 256

  validation {
    condition     = contains([256, 512, 1024, 2048, 4096], var.migrate_cpu)
    error_message = "migrate_cpu must be a Fargate size: 256, 512, 1024, 2048 or 4096."
  }
}

variable "migrate_memory" {
  description = "Memory (MiB) of the migration task."
  type        = number
  default     = 512

  validation {
    condition     = var.migrate_memory >= 512 && var.migrate_memory <= 30720
    error_message = "migrate_memory must be between 512 and 30720 MiB."
  }
}

# --- Scaling -------------------------------------------------------------------------------

variable "backend_min_count" {
  description = "Fewest backend tasks (also the count at creation); 2 or more keeps one per zone."
  type        = number
  default     = 2

  validation {
    condition     = var.backend_min_count >= 1
    error_message = "backend_min_count must be at least 1."
  }
}

variable "backend_max_count" {
  description = "Most backend tasks auto scaling may run. Each opens up to backend_workers x (DATABASE_POOL_SIZE + DATABASE_MAX_OVERFLOW) = 2 x 20 database connections by default: keep the total under the database's max_connections."
  type        = number
  default     = 6

  validation {
    condition     = var.backend_max_count >= 1
    error_message = "backend_max_count must be at least 1."
  }
}

variable "frontend_min_count" {
  description = "Fewest frontend tasks (also the count at creation)."
  type        = number
  default     = 2

  validation {
    condition     = var.frontend_min_count >= 1
    error_message = "frontend_min_count must be at least 1."
  }
}

variable "frontend_max_count" {
  description = "Most frontend tasks auto scaling may run."
  type        = number
  default     = 4

  validation {
    condition     = var.frontend_max_count >= 1
    error_message = "frontend_max_count must be at least 1."
  }
}

variable "cpu_target_percent" {
  description = "Average CPU utilisation (percent) auto scaling keeps each service at."
  type        = number
  default     = 60

  validation {
    condition     = var.cpu_target_percent >= 20 && var.cpu_target_percent <= 90
    error_message = "cpu_target_percent must be between 20 and 90."
  }
}

# --- Application settings (plain; secrets are generated in secrets.tf) ----------------------

variable "first_superuser" {
  description = "FIRST_SUPERUSER: username of the superuser prestart creates when absent. Its password is generated into Secrets Manager (order-system/<environment>/FIRST_SUPERUSER_PASSWORD)."
  type        = string
  default     = "superAdmin"
}

variable "first_superuser_email" {
  description = "FIRST_SUPERUSER_EMAIL: e-mail address of that superuser."
  type        = string

  validation {
    condition     = can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", var.first_superuser_email))
    error_message = "first_superuser_email must be an e-mail address."
  }
}

variable "allow_registration" {
  description = "ALLOW_REGISTRATION: whether anyone may create a user account through POST /api/auth/register."
  type        = bool
  default     = true
}

variable "currency" {
  description = "CURRENCY: ISO 4217 code, upper case, of the currency every amount is in."
  type        = string
  default     = "CNY"

  validation {
    condition     = can(regex("^[A-Z]{3}$", var.currency))
    error_message = "currency must be an ISO 4217 code such as CNY or EUR."
  }
}

variable "business_timezone" {
  description = "BUSINESS_TIMEZONE: IANA time zone of the shop's day (order numbers' dates, daily figures)."
  type        = string
  default     = "Asia/Shanghai"
}

variable "backend_cors_origins" {
  description = "BACKEND_CORS_ORIGINS: browser origins allowed to call the API cross-origin. Empty when the site and /api share the ALB's host name, as here."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for origin in var.backend_cors_origins : can(regex("^https?://[^/]+$", origin))])
    error_message = "backend_cors_origins must be origins such as https://admin.example.com (no path)."
  }
}

variable "log_level" {
  description = "LOG_LEVEL of the backend: DEBUG, INFO, WARNING, ERROR or CRITICAL."
  type        = string
  default     = "INFO"

  validation {
    condition     = contains(["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"], var.log_level)
    error_message = "log_level must be DEBUG, INFO, WARNING, ERROR or CRITICAL."
  }
}

variable "pending_order_ttl_seconds" {
  description = "PENDING_ORDER_TTL_SECONDS: a pending order older than this is cancelled and its stock returned; 0 keeps pending orders forever."
  type        = number
  default     = 86400

  validation {
    condition     = var.pending_order_ttl_seconds >= 0
    error_message = "pending_order_ttl_seconds must be 0 or more."
  }
}

variable "order_sweep_interval_seconds" {
  description = "ORDER_SWEEP_INTERVAL_SECONDS: seconds between two sweeps for expired orders; one worker of one task sweeps at a time."
  type        = number
  default     = 60

  validation {
    condition     = var.order_sweep_interval_seconds > 0
    error_message = "order_sweep_interval_seconds must be more than 0."
  }
}

variable "max_pending_orders_per_user" {
  description = "MAX_PENDING_ORDERS_PER_USER: pending orders a user-role customer may hold at once."
  type        = number
  default     = 5

  validation {
    condition     = var.max_pending_orders_per_user >= 1
    error_message = "max_pending_orders_per_user must be 1 or more."
  }
}

variable "order_rate_limit" {
  description = "ORDER_RATE_LIMIT: orders one account may place, such as 30/minute; shared by every task through Redis."
  type        = string
  default     = "30/minute"
}

variable "orders_require_shipping_address" {
  description = "ORDERS_REQUIRE_SHIPPING_ADDRESS: whether an order needs a shipping address; false for a shop that only hands goods over the counter."
  type        = bool
  default     = true
}

# --- Mail: password resets (the outbox, server/app/email) ----------------------------------
# The mail server's login, if it wants one, is no variable: with smtp_authentication, Terraform
# makes the secrets SMTP_USERNAME and SMTP_PASSWORD and you put their values (secrets.tf).

variable "smtp_host" {
  description = "SMTP_HOST: the mail server the backend sends password-reset mails through, such as email-smtp.us-west-2.amazonaws.com. Empty: no mail is sent and the SPA hides \"Forgot password?\"."
  type        = string
  default     = ""
}

variable "smtp_port" {
  description = "SMTP_PORT: 587 with starttls, 465 with ssl; the backend's security group lets it out to this port."
  type        = number
  default     = 587

  validation {
    condition     = var.smtp_port >= 1 && var.smtp_port <= 65535 && floor(var.smtp_port) == var.smtp_port
    error_message = "smtp_port must be a port number (587 with starttls, 465 with ssl)."
  }
}

variable "smtp_security" {
  description = "SMTP_SECURITY: starttls (upgrade after connecting) or ssl (TLS from the start). The backend refuses unencrypted mail to another host in production, so none is not offered."
  type        = string
  default     = "starttls"

  validation {
    condition     = contains(["starttls", "ssl"], var.smtp_security)
    error_message = "smtp_security must be starttls or ssl."
  }
}

variable "smtp_from" {
  description = "SMTP_FROM: the mails' sender, `Shop <no-reply@shop.example>` or a bare address the mail server lets you send as. Required with smtp_host."
  type        = string
  default     = ""

  validation {
    condition     = var.smtp_host == "" || can(regex("@[^@\\s>]+\\.[^@\\s>]+>?$", var.smtp_from))
    error_message = "smtp_from must be an address (or `Name <address>`) when smtp_host is set."
  }
}

variable "smtp_authentication" {
  description = "Whether the mail server wants a login: then Terraform makes the Secrets Manager secrets order-system/<environment>/SMTP_USERNAME and SMTP_PASSWORD, whose values you put (../README.md, \"Mail\")."
  type        = bool
  default     = false
}

variable "public_url" {
  description = "PUBLIC_URL: the site's address as customers reach it (https://orders.example.com), for the links in mails. Required with smtp_host."
  type        = string
  default     = ""

  validation {
    condition     = var.public_url == "" ? var.smtp_host == "" : can(regex("^https://[^/\\s]+$", var.public_url))
    error_message = "public_url must be the site's https:// address, without a path; it is required when smtp_host is set."
  }
}

variable "log_retention_days" {
  description = "Days CloudWatch keeps the logs of the tasks, the VPC, the database, Redis and the WAF."
  type        = number
  default     = 365

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be one of CloudWatch's values: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653."
  }
}

variable "secret_recovery_window_days" {
  description = "Days a deleted secret can still be restored (0 deletes at once, for throw-away environments)."
  type        = number
  default     = 30

  validation {
    condition     = var.secret_recovery_window_days == 0 || (var.secret_recovery_window_days >= 7 && var.secret_recovery_window_days <= 30)
    error_message = "secret_recovery_window_days must be 0 or between 7 and 30."
  }
}

# --- PostgreSQL ----------------------------------------------------------------------------

variable "db_engine_version" {
  description = "RDS PostgreSQL version: a major (18, the one the tests run on) lets RDS pick and upgrade the minor, or a full one (18.6). 17 is for a database not yet upgraded."
  type        = string
  default     = "18"

  validation {
    condition     = can(regex("^(17|18)(\\.[0-9]+)?$", var.db_engine_version))
    error_message = "db_engine_version must be PostgreSQL 18 (or 17, not yet upgraded), e.g. 18 or 18.6."
  }
}

variable "db_instance_class" {
  description = "RDS instance class, e.g. db.t4g.medium (small) or db.m7g.large."
  type        = string
  default     = "db.t4g.medium"

  validation {
    condition     = startswith(var.db_instance_class, "db.")
    error_message = "db_instance_class must be an RDS class such as db.t4g.medium."
  }
}

variable "db_name" {
  description = "POSTGRES_DB: the database the application uses."
  type        = string
  default     = "order_system"

  validation {
    condition     = can(regex("^[a-z][a-z0-9_]{0,62}$", var.db_name))
    error_message = "db_name must be lowercase letters, digits and underscores, starting with a letter."
  }
}

variable "db_username" {
  description = "POSTGRES_USER: the master user the application connects as. Its password is generated into Secrets Manager (order-system/<environment>/POSTGRES_PASSWORD)."
  type        = string
  default     = "order_system"

  validation {
    condition     = can(regex("^[a-z][a-z0-9_]{0,62}$", var.db_username)) && !contains(["postgres", "admin", "rdsadmin"], var.db_username)
    error_message = "db_username must be lowercase letters, digits and underscores, and not a reserved name (postgres, admin, rdsadmin)."
  }
}

variable "db_allocated_storage" {
  description = "Initial storage of the database, GiB (gp3)."
  type        = number
  default     = 20

  validation {
    condition     = var.db_allocated_storage >= 20
    error_message = "db_allocated_storage must be at least 20 GiB."
  }
}

variable "db_max_allocated_storage" {
  description = "Ceiling, GiB, up to which RDS grows the storage by itself."
  type        = number
  default     = 200

  validation {
    condition     = var.db_max_allocated_storage >= var.db_allocated_storage
    error_message = "db_max_allocated_storage must be at least db_allocated_storage."
  }
}

variable "db_multi_az" {
  description = "A synchronous standby in a second zone that RDS fails over to: on for production."
  type        = bool
  default     = true
}

variable "db_backup_retention_days" {
  description = "Days of automated backups (point-in-time recovery window)."
  type        = number
  default     = 14

  validation {
    condition     = var.db_backup_retention_days >= 7 && var.db_backup_retention_days <= 35
    error_message = "db_backup_retention_days must be between 7 and 35."
  }
}

variable "db_deletion_protection" {
  description = "Refuse to delete the database (turn off, apply, then destroy, to remove it on purpose)."
  type        = bool
  default     = true
}

variable "db_performance_insights" {
  description = "Performance Insights (7 days free tier), encrypted with the environment's key."
  type        = bool
  default     = true
}

variable "db_iam_authentication" {
  description = "Allow IAM database authentication besides passwords (for people connecting with short-lived tokens; the application uses its password)."
  type        = bool
  default     = true
}

variable "db_log_min_duration_ms" {
  description = "Statements slower than this (milliseconds) are logged to CloudWatch; -1 turns it off."
  type        = number
  default     = 500

  validation {
    condition     = var.db_log_min_duration_ms >= -1
    error_message = "db_log_min_duration_ms must be -1 (off) or a duration in milliseconds."
  }
}

# --- Redis ---------------------------------------------------------------------------------

variable "redis_engine_version" {
  description = "ElastiCache Redis engine version."
  type        = string
  default     = "7.1"

  validation {
    condition     = can(regex("^[67]\\.[0-9]+$", var.redis_engine_version))
    error_message = "redis_engine_version must be 6.x or 7.x (AUTH with TLS)."
  }
}

variable "redis_node_type" {
  description = "ElastiCache node type; the rate limit needs little memory."
  type        = string
  default     = "cache.t4g.micro"

  validation {
    condition     = startswith(var.redis_node_type, "cache.")
    error_message = "redis_node_type must be an ElastiCache node type such as cache.t4g.micro."
  }
}

variable "redis_num_cache_clusters" {
  description = "Redis nodes, one primary and the rest replicas in other zones; at least 2 for automatic failover."
  type        = number
  default     = 2

  validation {
    condition     = var.redis_num_cache_clusters >= 2 && var.redis_num_cache_clusters <= 6
    error_message = "redis_num_cache_clusters must be between 2 and 6 (a replica is what makes automatic failover possible)."
  }
}
