# Both services scale on average CPU between their min and max counts: out quickly, in slowly.

locals {
  scaled_services = {
    backend = {
      service   = aws_ecs_service.backend.name
      min_count = var.backend_min_count
      max_count = var.backend_max_count
    }
    frontend = {
      service   = aws_ecs_service.frontend.name
      min_count = var.frontend_min_count
      max_count = var.frontend_max_count
    }
  }
}

resource "aws_appautoscaling_target" "ecs" {
  for_each = local.scaled_services

  service_namespace  = "ecs"
  scalable_dimension = "ecs:service:DesiredCount"
  resource_id        = "service/${aws_ecs_cluster.main.name}/${each.value.service}"
  min_capacity       = each.value.min_count
  max_capacity       = each.value.max_count
}

resource "aws_appautoscaling_policy" "cpu" {
  for_each = aws_appautoscaling_target.ecs

  name               = "${local.name}-${each.key}-cpu"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = each.value.service_namespace
  scalable_dimension = each.value.scalable_dimension
  resource_id        = each.value.resource_id

  target_tracking_scaling_policy_configuration {
    target_value       = var.cpu_target_percent
    scale_out_cooldown = 60
    scale_in_cooldown  = 300

    predefined_metric_specification {
      predefined_metric_type = "ECSServiceAverageCPUUtilization"
    }
  }
}
