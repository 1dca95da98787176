# Names, availability zones and tags every other file shares.

# Exactly the zones named by var.availability_zone_suffixes (a, b -> us-west-2a, us-west-2b): the
# set never grows by itself when AWS opens another zone, and a typo fails at plan time.
data "aws_availability_zones" "selected" {
  state = "available"

  filter {
    name   = "zone-name"
    values = [for suffix in var.availability_zone_suffixes : "${var.aws_region}${suffix}"]
  }
}

data "aws_caller_identity" "current" {}

data "aws_region" "current" {}

data "aws_partition" "current" {}

locals {
  project = "order-system"
  # Every resource of one environment carries this prefix: order-system-production-backend, ...
  name = "${local.project}-${var.environment}"

  azs = sort(data.aws_availability_zones.selected.names)

  account_id = data.aws_caller_identity.current.account_id
  region     = data.aws_region.current.name
  partition  = data.aws_partition.current.partition

  backend_port  = 8000
  frontend_port = 3000
  postgres_port = 5432
  redis_port    = 6379

  tags = merge(
    {
      Project     = local.project
      Environment = var.environment
      ManagedBy   = "terraform"
    },
    var.tags,
  )
}
