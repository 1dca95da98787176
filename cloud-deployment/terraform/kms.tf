# One customer-managed key for this environment's data at rest: secrets, logs, ECR images, the
# database, its Performance Insights and Redis. Rotated yearly by AWS.

data "aws_iam_policy_document" "kms" {
  #checkov:skip=CKV_AWS_109:A key policy, not an IAM policy: "*" as resource means this key only, and the account root statement is the one AWS itself writes so that IAM can grant use of the key.
  #checkov:skip=CKV_AWS_111:A key policy, not an IAM policy: "*" as resource means this key only; CloudWatch Logs is further limited to this account's log groups by encryption context.
  #checkov:skip=CKV_AWS_356:A key policy, not an IAM policy: "*" as resource means this key only.
  # The account administers the key through IAM, as with any AWS-managed key.
  statement {
    sid       = "AccountAdministersThroughIam"
    actions   = ["kms:*"]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = ["arn:${local.partition}:iam::${local.account_id}:root"]
    }
  }

  # CloudWatch Logs encrypts this environment's log groups with it, and only those.
  statement {
    sid = "CloudWatchLogsEncryptsOurLogGroups"
    actions = [
      "kms:Encrypt*",
      "kms:Decrypt*",
      "kms:ReEncrypt*",
      "kms:GenerateDataKey*",
      "kms:Describe*",
    ]
    resources = ["*"]

    principals {
      type        = "Service"
      identifiers = ["logs.${local.region}.amazonaws.com"]
    }

    condition {
      test     = "ArnLike"
      variable = "kms:EncryptionContext:aws:logs:arn"
      values   = ["arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:*"]
    }
  }
}

resource "aws_kms_key" "main" {
  description             = "${local.name}: secrets, logs, images, database and cache at rest"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy                  = data.aws_iam_policy_document.kms.json
}

resource "aws_kms_alias" "main" {
  name          = "alias/${local.name}"
  target_key_id = aws_kms_key.main.key_id
}
