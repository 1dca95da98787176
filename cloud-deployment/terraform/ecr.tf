# The two image repositories, order-system-backend and order-system-frontend: the names
# ../scripts/deploy.sh pushes to (its ECR_BACKEND_REPOSITORY / ECR_FRONTEND_REPOSITORY
# defaults). They belong to the account, not to one environment: the first environment of an
# account creates them (create_ecr_repositories = true), any other one in the same account sets
# it to false and finds them by name.

locals {
  ecr_repository_names = {
    backend  = "${local.project}-backend"
    frontend = "${local.project}-frontend"
  }
}

resource "aws_ecr_repository" "app" {
  for_each = var.create_ecr_repositories ? local.ecr_repository_names : {}

  name = each.value
  # A tag, once pushed, always names the same image: what ran can be told and run again.
  # deploy.sh tags every build <commit>-<UTC time>.
  image_tag_mutability = "IMMUTABLE"
  force_delete         = false

  image_scanning_configuration {
    scan_on_push = true
  }

  encryption_configuration {
    encryption_type = "KMS"
    kms_key         = aws_kms_key.main.arn
  }
}

resource "aws_ecr_lifecycle_policy" "app" {
  for_each = aws_ecr_repository.app

  repository = each.value.name
  policy = jsonencode({
    rules = [
      {
        rulePriority = 1
        description  = "Untagged layers left by rebuilds go after a week"
        selection = {
          tagStatus   = "untagged"
          countType   = "sinceImagePushed"
          countUnit   = "days"
          countNumber = 7
        }
        action = { type = "expire" }
      },
      {
        rulePriority = 2
        description  = "Keep the newest ${var.ecr_keep_images} images, enough to roll back"
        selection = {
          tagStatus   = "any"
          countType   = "imageCountMoreThan"
          countNumber = var.ecr_keep_images
        }
        action = { type = "expire" }
      },
    ]
  })
}

# The repositories another environment of this account created.
data "aws_ecr_repository" "app" {
  for_each = var.create_ecr_repositories ? {} : local.ecr_repository_names

  name = each.value
}

locals {
  ecr_repository_urls = merge(
    { for key, repo in aws_ecr_repository.app : key => repo.repository_url },
    { for key, repo in data.aws_ecr_repository.app : key => repo.repository_url },
  )
  ecr_repository_arns = merge(
    { for key, repo in aws_ecr_repository.app : key => repo.arn },
    { for key, repo in data.aws_ecr_repository.app : key => repo.arn },
  )
}
