terraform {
  # 1.10+ for S3-native state locking (`use_lockfile`) in the backend below.
  required_version = ">= 1.10.0, < 2.0.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.80"
    }
    random = {
      source  = "hashicorp/random"
      version = "~> 3.6"
    }
  }

  # Remote state: one S3 object per environment, encrypted, locked with a lock file next to it.
  # Create the bucket once (see ../README.md, "Bootstrap the state bucket"), uncomment, then
  # `terraform init -migrate-state`. Keep one state per environment: either a different `key`
  # below per environment or `terraform init -backend-config=backend-production.hcl`.
  #
  # backend "s3" {
  #   bucket       = "order-system-terraform-state-123456789012"
  #   key          = "order-system/production/terraform.tfstate"
  #   region       = "us-west-2"
  #   encrypt      = true
  #   use_lockfile = true
  # }
}

provider "aws" {
  region = var.aws_region

  default_tags {
    tags = local.tags
  }
}
